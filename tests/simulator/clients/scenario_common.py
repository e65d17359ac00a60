"""What both scenario scripts take from their command line and ask of the simulator; imported
from the script's own folder (the first entry of sys.path when it runs)."""

import sys
import urllib.parse
import urllib.request

URL, KEY = sys.argv[1], sys.argv[2]
SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHZ1bHRyLXB5dGhvbi1jbGllbnQ user@host"


def advance(seconds):
    """Moves the simulator's clock on (its control API)."""
    data = urllib.parse.urlencode({"advance": seconds}).encode()
    urllib.request.urlopen(f"{URL}/_sim/clock", data=data, timeout=10).read()
