"""Print src/kickstart/validate/grammar-data.generated.ts from a pykickstart checkout.

Usage: python3 tools/kickstart_grammar.py PYKICKSTART_CHECKOUT > src/kickstart/validate/grammar-data.generated.ts

Per version, every command (removed, deprecated, or its argument counts, multi-use, conflicts and
options) and every section's options. What the option parsers declare is read from them; what
parse() methods add (warnings for some options, free-form or stub commands) is found by feeding
pykickstart probe lines (pykickstart_verdict.py). The spec notation it prints is the one
src/kickstart/validate/grammar.ts reads.
"""
import sys
sys.dont_write_bytecode = True  # importing the helper below leaves no __pycache__ in tools/
# First: it puts the checkout (argv[1]) on sys.path, so the pykickstart imports below find it.
from pykickstart_verdict import verdict, makeVersion, stringToVersion
import argparse, re
import pykickstart
from pykickstart import sections as S
from pykickstart.base import DeprecatedCommand, KickstartCommand, RemovedCommand

VERSIONS = ["RHEL8", "RHEL9", "RHEL10", "F40", "F41", "F42", "F43", "F44", "F45"]
FLAGS = (argparse._StoreTrueAction, argparse._StoreFalseAction, argparse._StoreConstAction,
         argparse._AppendConstAction, argparse._CountAction)

def accepts(version, text):
    return verdict(version, text)[0] == "ok"

def option_specs(op, deprecated=()):
    out, pmin, pmax = [], 0, 0
    for a in op._actions:
        if not a.option_strings:
            n = a.nargs
            if n is None or n == 1: pmin += 1; pmax = pmax if pmax is None else pmax + 1
            elif n == "?": pmax = pmax if pmax is None else pmax + 1
            elif n == "*": pmax = None
            elif n == "+": pmin += 1; pmax = None
            else: raise SystemExit("positional nargs %r" % n)
            continue
        if isinstance(a, FLAGS): value = ""
        elif a.nargs is None or a.nargs == 1: value = "="
        elif a.nargs == "?": value = "=?"
        else: raise SystemExit("option nargs %r" % a.nargs)
        suffix = {"int": ":int", "ksboolean": ":bool"}.get(getattr(a.type, "__name__", ""), "")
        if a.choices: suffix += "{" + "|".join(a.choices) + "}"
        for s in a.option_strings:
            assert s.startswith("--"), s
            out.append(s + value + suffix + ("!" if (a.deprecated or s in deprecated) else "") + ("*" if a.required else ""))
    return sorted(set(out)), pmin, pmax

def option_name(spec):
    return re.sub(r"[=:{!*].*$", "", spec)

def warned_options(version, opts, line_for, body=""):
    """Options whose use on an otherwise accepted line makes pykickstart warn."""
    if verdict(version, line_for(None) + "\n" + body)[0] != "ok":
        return set()
    out = set()
    for o in opts:
        name = option_name(o)
        arg = name + ("=" + o.split("{")[1].split("|")[0] if "{" in o else "=1" if "=" in o else "")
        if verdict(version, line_for(arg) + "\n" + body)[0] == "warning":
            out.add(name)
    return out

commands, same, sections = {}, {}, {}
for v in VERSIONS:
    h = makeVersion(stringToVersion(v))
    by_class = {}
    for name, c in sorted(h.commands.items()):
        if c is None: continue
        by_class.setdefault(type(c).__name__, []).append(name)
        if isinstance(c, RemovedCommand) or type(c).parse is KickstartCommand.parse:
            commands.setdefault(name, []).append((v, "removed"))  # RHEL8's method is a stub that always fails
            continue
        if isinstance(c, DeprecatedCommand):
            commands.setdefault(name, []).append((v, "deprecated"))
            continue
        op = c.op if getattr(c, "op", None) else c._getParser()
        opts, pmin, pmax = option_specs(op)
        required = " ".join(option_name(o) + "=1" for o in opts if o.endswith("*"))
        npos = pmin
        if verdict(v, " ".join(w for w in (name, required, " ".join(["a"] * pmin)) if w) + "\n")[0] == "error" and (pmax is None or pmax > pmin):
            npos = pmin + 1
        def line_for(arg, name=name, npos=npos, required=required):
            return " ".join(w for w in (name, required, " ".join(["a"] * npos), arg or "") if w)
        opts, _, _ = option_specs(op, warned_options(v, opts, line_for))
        base = verdict(v, line_for(None) + "\n")[0]
        if base == "warning" and verdict(v, line_for("--kickstand-probe-unknown-option") + "\n")[0] == "warning":
            commands.setdefault(name, []).append((v, "deprecated"))  # warns whatever its arguments (auth on EL 8, 9)
            continue
        if pmax is not None and accepts(v, line_for("kickstand-probe-1 kickstand-probe-2") + "\n"):
            pmax = None  # parse() takes the extra words itself (btrfs)
        words = []
        if accepts(v, name + " --kickstand-probe-unknown-option\n"): words.append("free")
        words.append("p%d" % pmin if pmin == pmax else "p%d-%s" % (pmin, "*" if pmax is None else pmax))
        if c.dataList() is not None: words.append("+")
        if c.conflictingCommands: words.append("x=" + ",".join(c.conflictingCommands))
        commands.setdefault(name, []).append((v, " ".join(words + opts)))
    for names in by_class.values():
        for n in names[1:]:
            if same.setdefault(n, names[0]) != names[0]: raise SystemExit("alias group of %s differs in %s" % (n, v))
    for cls in (S.PackageSection, S.PreScriptSection, S.PreInstallScriptSection, S.PostScriptSection,
                S.OnErrorScriptSection, S.TracebackScriptSection, S.CertificateSection):
        op = cls(h)._getParser()
        body = ("bash\n" if cls is S.PackageSection else "x\n") + "%end\n"
        fixed = " --filename=a --dir=/b" if cls is S.CertificateSection else ""
        opts, _, _ = option_specs(op)
        def line_for(arg, cls=cls, fixed=fixed):
            return cls.sectionOpen + fixed + ((" " + arg) if arg and not fixed.count(arg.split("=")[0] + "=") else "")
        opts, _, _ = option_specs(op, warned_options(v, opts, line_for, body))
        deprecated = verdict(v, line_for(None) + "\n" + body)[0] == "warning"
        sections.setdefault(cls.sectionOpen, []).append((v, ("deprecated " if deprecated else "") + " ".join(opts)))

def q(s):
    assert "'" not in s and "\\" not in s, s
    return "'" + s + "'"

def key(k):
    return k if re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", k) else q(k)

def emit(name, table):
    print("export const %s: Record<string, Array<[string, string]>> = {" % name)
    for k in sorted(table):
        merged = {}
        for v, spec in table[k]:
            merged.setdefault(spec, []).append(v)
        rows = [(" ".join(vs), spec) for spec, vs in merged.items()]
        if len(rows) == 1:
            print("  %s: [[%s, %s]]," % (key(k), q(rows[0][0]), q(rows[0][1])))
            continue
        print("  %s: [" % key(k))
        for vs, spec in rows:
            print("    [%s, %s]," % (q(vs), q(spec)))
        print("  ],")
    print("};")

print("// Generated by tools/kickstart_grammar.py from pykickstart %s; do not edit (tools/README.md says how to regenerate)." % pykickstart.__version__)
print("// COMMANDS and SECTIONS: per name, [versions, spec] rows in the notation grammar.ts reads; SAME_COMMAND:")
print("// the names one pykickstart command class answers to (partition is part), each pointing at the first.")
print("export const KICKSTART_VERSIONS = [%s] as const;" % ", ".join(q(v) for v in VERSIONS))
emit("COMMANDS", commands)
emit("SECTIONS", sections)
print("export const SAME_COMMAND: Record<string, string> = {%s};" % ", ".join("%s: %s" % (key(k), q(v)) for k, v in sorted(same.items())))
