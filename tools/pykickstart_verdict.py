"""What pykickstart's ksvalidator makes of a kickstart, for checking Kickstand's validator against it.

Usage: python3 tools/pykickstart_verdict.py PYKICKSTART_CHECKOUT < cases.json
  cases.json: [{"version": "RHEL9", "text": "..."}, ...]; prints [[verdict, message], ...] as JSON.

Also imported by kickstart_grammar.py, which takes the same argument. It reads the checkout given as
the first argument (pykickstart is not packaged for Debian nor reachable on PyPI from CI, so it is
never installed) and needs nothing else than Python 3 and requests (pykickstart imports it).
"""
import json, sys, warnings

if len(sys.argv) != 2:
    sys.exit("usage: python3 %s PYKICKSTART_CHECKOUT" % sys.argv[0])
sys.path.insert(0, sys.argv[1])
from pykickstart.parser import KickstartParser
from pykickstart.version import makeVersion, stringToVersion

# One handler per version, reused: building one takes ~60 ms, so after each parse only the commands
# that parse touched are rebuilt (alias names such as part/partition keep sharing one instance).
HANDLERS = {}
def handler(version):
    h = HANDLERS.get(version)
    if h is None:
        h = HANDLERS[version] = makeVersion(stringToVersion(version))
        return h
    rebuilt = {}
    for name, c in list(h.commands.items()):
        if c is not None and c.seen:
            obj = rebuilt.get(type(c))
            if obj is None:
                obj = rebuilt[type(c)] = type(c)()
                obj.handler = h
            h.commands[name] = obj
    return h

def verdict(version, text):
    """("ok" | "warning" | "error", message): "warning" means refused, but accepted with warnings ignored."""
    message = ""
    for mode in ("error", "ignore"):
        with warnings.catch_warnings():
            warnings.simplefilter(mode)
            parser = KickstartParser(handler(version), followIncludes=False, errorsAreFatal=True)
            try:
                parser.readKickstartFromString(text)
                return ("ok" if mode == "error" else "warning"), message
            except Exception as e:
                if mode == "error":
                    message = " ".join(str(e).split())
    return "error", message

if __name__ == "__main__":
    print(json.dumps([verdict(c["version"], c["text"]) for c in json.load(sys.stdin)]))
