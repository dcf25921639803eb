"""Stands in for the system browser in tests (BROWSER="python3 fake_browser.py %s").

Opens the authorization URL and follows its redirect to the app's loopback listener, as a
browser would after the user signs in; returns at once, since `webbrowser` waits for it.
"""
import sys
import urllib.error
import urllib.request

try:
    urllib.request.urlopen(sys.argv[1], timeout=10).read()
except urllib.error.HTTPError:
    pass  # the listener's refusal page is still an answer
