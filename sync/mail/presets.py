"""IMAP settings of the mail providers people use, how each signs in, and the hint each one needs.

Qt-free data: the account form fills host, port and security from a preset and guesses the
preset from the domain of the address being typed.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Preset:
    key: str
    label: str
    host: str  # "" = the user types it ("Other")
    port: int = 993
    security: str = "ssl"
    hint: str = ""
    domains: tuple[str, ...] = ()
    hosts: dict[str, str] = field(default_factory=dict)  # domain -> host where one preset spans several servers
    oauth: str = ""  # the OAuth provider (sync.mail.oauth) to sign in with; "" = a password
    password: bool = True  # whether the server still takes a (app) password at all

    def host_for(self, address: str) -> str:
        """The IMAP host for this address: its domain's own server if the provider has one, else the preset's."""
        return self.hosts.get(domain_of(address), self.host)


OTHER = Preset("other", "Other", "", hint="Your provider's help pages name the IMAP server; most want an app "
               "password when two-step sign-in is on.")

PRESETS: tuple[Preset, ...] = (
    # Google Workspace turned password sign-in off in 2024-09; app passwords still work where 2-step is on
    Preset("gmail", "Gmail / Google Workspace", "imap.gmail.com",
           hint="Sign in with Google, or type an app password (Google Account › Security › App passwords) instead.",
           domains=("gmail.com", "googlemail.com"), oauth="google"),
    # Microsoft 365 turned password sign-in for IMAP off in 2022-10, Outlook.com in 2024-09
    Preset("microsoft", "Outlook.com / Microsoft 365", "outlook.office365.com",
           hint="Sign in with Microsoft (OAuth): Microsoft turned password sign-in for IMAP off.",
           oauth="microsoft", password=False,
           domains=("outlook.com", "hotmail.com", "live.com", "msn.com", "outlook.de", "hotmail.de", "live.de",
                    "hotmail.co.uk", "outlook.fr", "hotmail.fr")),
    Preset("icloud", "iCloud", "imap.mail.me.com",
           hint="Use an app-specific password (account.apple.com › Sign-In and Security); your Apple ID password "
                "will be refused.",
           domains=("icloud.com", "me.com", "mac.com")),
    Preset("yahoo", "Yahoo", "imap.mail.yahoo.com",
           hint="Use an app password (Yahoo Account Security › Generate app password); your normal password "
                "will be refused.",
           domains=("yahoo.com", "yahoo.de", "yahoo.co.uk", "yahoo.fr", "ymail.com", "rocketmail.com")),
    Preset("fastmail", "Fastmail", "imap.fastmail.com",
           hint="Use an app password with IMAP access (Settings › Privacy & Security › App passwords).",
           domains=("fastmail.com", "fastmail.fm")),
    Preset("gmx", "GMX / Web.de", "imap.gmx.net",
           hint="Switch on IMAP access first (web mailer › Settings › POP3 & IMAP); with two-factor sign-in use "
                "an app password.",
           domains=("gmx.de", "gmx.net", "gmx.at", "gmx.ch", "gmx.com", "web.de"),
           hosts={"web.de": "imap.web.de", "gmx.com": "imap.gmx.com"}),
    OTHER,
)


def domain_of(address: str) -> str:
    """'Anna@GMail.com ' -> 'gmail.com'; '' when there is no domain yet."""
    _user, at, domain = address.strip().rpartition("@")
    return domain.lower() if at else ""


def preset(key: str) -> Preset:
    return next((p for p in PRESETS if p.key == key), OTHER)


def guess(address: str) -> Preset | None:
    """The provider of this address by its domain; None while the domain is unknown or incomplete."""
    domain = domain_of(address)
    return next((p for p in PRESETS if domain in p.domains), None) if domain else None


def for_host(host: str) -> Preset:
    """The preset whose server this is (to show a saved account's provider); Other when none matches."""
    host = host.strip().lower()
    return next((p for p in PRESETS if host and (host == p.host or host in p.hosts.values())), OTHER)
