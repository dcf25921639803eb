"""Judging batches in a second process while capture stores the ones before them (the machine's
second core).

classify() is pure but for its lookups into the owner's data (the Known protocol), and those
must see what earlier messages decided, even ones not stored yet. So the second process judges
with the database as committed (read only) and notes each question and its answer; capture then
asks the same questions of the real Known, in order. Where every answer is the same, classify
here would have taken the very same path, so the verdict stands; otherwise (a reply to a lead
of a batch not stored yet) the message is judged again here.

The hand-over is cheap: raw bytes go there, and a verdict comes back as plain tuples without the
parts storing never reads (headers, HTML). The process is plain `python -m sync.mail.ahead`
speaking pickles over its pipes (multiprocessing would re-run the app's main module), at a lower
priority, so the process holding the write lock keeps its core. Capture judges batches itself
until the process has started, and for good after a crash or a batch slower than TAKE_SECONDS.
It keeps the end of each batch and judges that the same way meanwhile (judge_all): as much as
makes both sides take as long per batch, from how long each took for the batch before (up to
nine tenths stay here when another program has taken the second core), so neither side idles
for long.
"""
from __future__ import annotations

import dataclasses
import logging
import os
import pickle
import queue
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import IO, Any, NamedTuple

from .classify import Fields, Known, Verdict, classify
from .clean import strip_quotes_and_signature
from .parse import Mail

log = logging.getLogger("leadbook.mail")

TAKE_SECONDS = 60.0  # a batch the second process has not judged by then is judged here, and it stops
READY = b"ready\n"  # the process's first words: imports done, batches welcome
SMALLEST_PART = 0.1  # of a batch handed over, at least
NICENESS = 5  # the second process yields its core to the one storing (and holding the write lock)


def clean_body(verdict: Verdict) -> str | None:
    """The text stored for a message: quotes and signature stripped (None without a parsed mail)."""
    if verdict.mail is None:
        return None
    try:
        return strip_quotes_and_signature(verdict.mail.text or "")
    except Exception:  # noqa: BLE001 - keep the text uncleaned rather than lose it
        return verdict.mail.text or ""


class Judged(NamedTuple):
    verdict: Verdict
    questions: tuple[tuple[str, Any, str | None], ...]  # (Known method, argument, answer) as classify asked
    body: str | None  # clean_body(verdict)

    def holds(self, known: Any) -> bool:
        """classify with `known` gives this verdict: every question gets the same answer."""
        return all(getattr(known, name)(arg) == answer for name, arg, answer in self.questions)


class _Asked:
    """A Known that notes what it was asked and answered: the database's answers, or nothing without one."""

    def __init__(self, known: Known | None) -> None:
        self.known = known
        self.questions: list[tuple[str, Any, str | None]] = []
        self.failed = False  # a lookup raised: classify turned that into its verdict, capture must not

    def _ask(self, name: str, arg: Any) -> str | None:
        try:
            answer = None if self.known is None else getattr(self.known, name)(arg)
        except Exception:
            self.failed = True
            raise
        self.questions.append((name, arg, answer))
        return answer

    def lead_for_thread(self, message_ids: Sequence[str]) -> str | None:
        return self._ask("lead_for_thread", tuple(message_ids))

    def lead_for_address(self, address: str) -> str | None:
        return self._ask("lead_for_address", address)

    def rule_for(self, address: str) -> str | None:
        return self._ask("rule_for", address)


# What travels back: storing reads neither a mail's headers nor its HTML (they are most of its size).
_MAIL = tuple(f.name for f in dataclasses.fields(Mail) if f.name not in ("headers", "html"))


def _pack(judged: Judged) -> tuple[Any, ...]:
    v = judged.verdict
    mail = None if v.mail is None else tuple(getattr(v.mail, name) for name in _MAIL)
    return (v.verdict, v.reason, v.source, tuple(vars(v.fields).values()), mail, v.lead_id, v.relay,
            judged.questions, judged.body)


def _unpack(packed: tuple[Any, ...]) -> Judged:
    verdict, reason, source, fields, mail, lead_id, relay, questions, body = packed
    parsed = None if mail is None else Mail(**dict(zip(_MAIL, mail, strict=True)))
    return Judged(Verdict(verdict, reason, source, Fields(*fields), parsed, lead_id, relay), questions, body)


def judge_all(raws: Sequence[bytes], me: Collection[str], sent_folder: bool,
              known: Known | None = None) -> list[Judged | None]:
    """Judgements to check in order later (Judged.holds): None where classify or a lookup raised
    (judged again in capture, which logs why)."""
    out: list[Judged | None] = []
    for raw in raws:
        asked = _Asked(known)
        try:
            verdict = classify(raw, me=me, known=asked, sent_folder=sent_folder)
            out.append(None if asked.failed else Judged(verdict, tuple(asked.questions), clean_body(verdict)))
        except Exception:  # noqa: BLE001 - capture judges it again and logs why
            out.append(None)
    return out


def judge_batch(raws: Sequence[bytes], me: Collection[str], sent_folder: bool,
                known: Known | None = None) -> list[tuple[Any, ...] | None]:
    """What the second process does with a batch: judge_all's judgements, packed."""
    return [None if judged is None else _pack(judged) for judged in judge_all(raws, me, sent_folder, known)]


def _database_known(path: str | None) -> Known | None:
    """The owner's data as committed, read only (models.known.DbKnown); None without a database file."""
    if not path or path == ":memory:" or not Path(path).exists():
        return None
    from models.known import DbKnown  # only here: the second process needs no database otherwise
    from models.tables import database

    database.init(Path(path).resolve().as_uri() + "?mode=ro", uri=True, pragmas={"busy_timeout": 5000})
    return DbKnown()


def _send(pipe: IO[bytes], obj: Any) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    pipe.write(len(data).to_bytes(8, "big") + data)
    pipe.flush()


def _receive(pipe: IO[bytes]) -> Any:
    head = pipe.read(8)
    if len(head) < 8:
        raise EOFError("the second process ended")
    return pickle.loads(pipe.read(int.from_bytes(head, "big")))  # noqa: S301 - our own child's answer


class Ahead:
    """One second process for a pass: start() it early, submit() batches, take() their judgements
    in the same order (None: judge the batch here), close() at the end of the pass."""

    _part = 1.0  # of each batch handed over; capture judges the rest the same way meanwhile (balance())

    def __init__(self, database: str | None = None) -> None:
        self._database = database  # the file the second process reads the owner's data from
        self._process: subprocess.Popen[bytes] | None = None
        self._requests: queue.Queue[Any] = queue.Queue()
        self._answers: queue.Queue[tuple[float, list[Any]] | None] = queue.Queue()  # (when it came, answer)
        self._submitted: deque[float] = deque()  # when each batch waiting for its answer was handed over
        self._answered = 0.0  # when the last answer came
        self._ready = threading.Event()
        self._waiting = 0
        self._taken: float | None = None  # when the last batch was taken: capture's own time counts from there
        self.broken = False

    def start(self) -> None:
        """Start the process (once); it takes batches when its imports are done."""
        if self._process is not None or self.broken:
            return
        # Without the site module (-S: ~20 ms sooner ready) but on this process's module path, so it imports
        # what this process would; never from the current folder (-P: a types.py there would break it).
        path = [str(Path(__file__).resolve().parents[2]), *(p for p in sys.path if p and os.path.exists(p))]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(path)}
        try:
            self._process = subprocess.Popen([sys.executable, "-S", "-P", "-m", "sync.mail.ahead"],
                                             stdin=subprocess.PIPE,
                                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        except OSError:
            log.warning("could not start the second process; judging mail in this one", exc_info=True)
            self.broken = True
            return
        self._requests.put(self._database)
        for target in (self._sender, self._receiver):
            threading.Thread(target=target, args=(self._process,), name="leadbook-judge-ahead", daemon=True).start()

    def submit(self, raws: Sequence[bytes], me: Collection[str], sent_folder: bool) -> int:
        """Hand the start of a batch over: how many of its messages, 0 when the process is not (yet) there
        (judge them here). While capture had to wait for the last answer, it keeps more of each batch."""
        if self.broken or not self._ready.is_set() or not raws:
            return 0
        handed = max(1, round(len(raws) * self._part))
        self._requests.put((list(raws[:handed]), frozenset(me), sent_folder))
        self._submitted.append(time.perf_counter())
        self._waiting += 1
        return handed

    def take(self, count: int, own: tuple[int, float] = (0, 0.0)) -> list[Judged | None] | None:
        """The judgements of the oldest batch submitted, or None (the process failed: judge here).
        `own`: how many of the batch's messages capture judged itself meanwhile, in how many seconds."""
        if self.broken or not self._waiting:
            return None
        self._waiting -= 1
        started = time.perf_counter()
        try:
            answer = self._answers.get(timeout=TAKE_SECONDS)
        except queue.Empty:
            answer = None
        if answer is None or len(answer[1]) != count:
            log.warning("the second process failed; judging mail in this one")
            self.close()
            return None
        answered, packed = answer
        took = answered - max(self._submitted.popleft(), self._answered)  # from when it could start on it
        self._answered = answered
        if self._taken is not None:
            self.balance((count, took), own, started - self._taken)
        self._taken = time.perf_counter()
        return [None if p is None else _unpack(p) for p in packed]

    def balance(self, theirs: tuple[int, float], own: tuple[int, float], busy: float) -> None:
        """Hand over as much of the next batches as makes both sides take as long per batch: `theirs` and
        `own` are (messages, seconds judging them) in the second process (the hand-over included) and
        here, `busy` the seconds capture worked since the batch before was taken (its own judging included)."""
        (handed, child), (kept, here) = theirs, own
        if not handed:
            return
        per_child = child / handed
        per_own = here / kept if kept else per_child  # nothing judged here yet: as fast as there, say
        rest = max(0.0, busy - here)  # checking and storing, which stay here whatever the part
        size = handed + kept
        even = (rest + size * per_own) / ((per_child + per_own) * size)  # handed·child = rest + kept·own
        self._part = min(1.0, max(SMALLEST_PART, (self._part + even) / 2))  # halfway: one slow batch is noise

    def close(self) -> None:
        """End the process (the pass is over, or it failed): it ends when its input closes, which the
        pass does not wait for (a thread does, and kills it should it linger)."""
        self.broken = True
        self._requests.put(None)
        process, self._process = self._process, None
        if process is not None:
            threading.Thread(target=_end, args=(process,), name="leadbook-judge-ahead", daemon=True).start()

    def _sender(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdin is not None
        try:
            while (request := self._requests.get()) is not None:
                _send(process.stdin, request)
        except OSError:  # the process died: the receiver says so
            pass
        finally:
            try:
                process.stdin.close()
            except OSError:
                pass

    def _receiver(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None
        try:
            if process.stdout.readline() != READY:
                raise EOFError("the second process did not start")
            self._ready.set()
            while True:
                answer = _receive(process.stdout)
                self._answers.put((time.perf_counter(), answer))
        except Exception:  # noqa: BLE001 - it ended or answered nonsense: take() says so
            self._answers.put(None)


def _end(process: subprocess.Popen[bytes]) -> None:
    try:
        process.wait(timeout=1)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def serve(requests: IO[bytes], answers: IO[bytes]) -> None:
    """The second process: judge each batch that comes in, until the input closes."""
    if hasattr(os, "nice"):
        os.nice(NICENESS)
    answers.write(READY)
    answers.flush()
    try:
        known = _database_known(_receive(requests))
    except EOFError:
        return
    except Exception:  # noqa: BLE001 - without the database every answer is "nothing": capture checks them
        known = None
    while True:
        try:
            raws, me, sent_folder = _receive(requests)
        except EOFError:
            return
        _send(answers, judge_batch(raws, me, sent_folder, known))


if __name__ == "__main__":
    _answers = sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing printed by accident may end up in the answers
    serve(sys.stdin.buffer, _answers)
