#!/usr/bin/env python3
"""Man pages and shell completions against the built etpu (tests/docs.cmake).

usage: docs_test.py ETPU SOURCE_DIR sync|lint|flags|bash|zsh

  sync   scripts/gen-man.py, run on ETPU into a temp dir, reproduces docs/man/ and
         completions/ exactly (else: the diff, and how to regenerate), and etpu.1
         documents every environment variable src/ reads
  lint   every page formats with `groff -man -ww` without a warning and `man -l` reads it
  flags  per command, the long flags the bash completion offers = those `etpu CMD --help`
         lists = those of the command's option table (`etpu help --options-json`, which
         also builds its getopt_long table), a flag takes a value in --help iff the table
         says so, no cmd_*.c parses with a struct option table of its own, and the pass
         names offered after --only/--skip = `etpu fix --list`
  bash   drives _etpu in plain bash (no bash-completion package) on typical command lines
  zsh    `zsh -n` on completions/_etpu, then drives the completion in a real zsh through
         zpty (skipped, exit 77, when zsh is not installed)
"""
import difflib
import filecmp
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

SKIP = 77


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def gen(etpu, src, *extra):
    p = run([sys.executable, os.path.join(src, "scripts", "gen-man.py"), "--etpu", etpu, *extra])
    if p.returncode:
        fail(f"gen-man.py failed: {p.stdout}{p.stderr}")
    return p.stdout


def test_sync(etpu, src):
    with tempfile.TemporaryDirectory() as tmp:
        man, comp = os.path.join(tmp, "man"), os.path.join(tmp, "completions")
        gen(etpu, src, "--man-dir", man, "--completions-dir", comp)
        bad = []
        for got_dir, want_dir in ((man, os.path.join(src, "docs", "man")),
                                  (comp, os.path.join(src, "completions"))):
            names = sorted(set(os.listdir(got_dir)) | set(os.listdir(want_dir)))
            for n in names:
                g, w = os.path.join(got_dir, n), os.path.join(want_dir, n)
                if not os.path.exists(w):
                    bad.append(f"{w} is missing")
                elif not os.path.exists(g):
                    bad.append(f"{w} is not generated any more (remove it)")
                elif not filecmp.cmp(g, w, shallow=False):
                    with open(w) as f1, open(g) as f2:
                        diff = difflib.unified_diff(f1.readlines(), f2.readlines(),
                                                    w, "generated from --help")
                    bad.append("".join(diff))
        # every environment variable the code reads is in etpu.1's ENVIRONMENT
        with open(os.path.join(src, "docs", "man", "etpu.1")) as f:
            page = f.read()
        env_part = page.split(".SH ENVIRONMENT", 1)[-1].split(".SH ", 1)[0]
        documented = set(re.findall(r"^\\fB([A-Z_]+)\\fR$", env_part, re.M))
        for dirpath, _, files in os.walk(os.path.join(src, "src")):
            for n in files:
                if n.endswith((".c", ".h")):
                    with open(os.path.join(dirpath, n), errors="replace") as f:
                        code = f.read()
                    for var in re.findall(r'getenv\("([A-Za-z_]+)"\)', code) + \
                            re.findall(r'env_\w+\("([A-Z_]+)"', code):
                        if var not in documented:
                            bad.append(f"src/{os.path.relpath(dirpath, os.path.join(src, 'src'))}/{n} "
                                       f"reads ${var}, which etpu.1 does not document "
                                       "(ENVIRONMENT in scripts/gen-man.py)")
        if bad:
            print("\n".join(bad))
            fail("man pages / completions differ from `etpu --help` or the source; add what is\n"
                 "missing to scripts/gen-man.py if needed, regenerate with\n"
                 "  python3 scripts/gen-man.py --etpu build/src/etpu\nand commit the result")
    print("man pages and completions are in sync with --help")


def test_lint(etpu, src):
    if not shutil.which("groff") or not shutil.which("man"):
        print("groff/man not installed (Debian: groff-base, man-db)")
        sys.exit(SKIP)
    mandir = os.path.join(src, "docs", "man")
    pages = sorted(f for f in os.listdir(mandir) if f.endswith(".1"))
    if not pages:
        fail("no pages in docs/man")
    env = dict(os.environ, LC_ALL="C.UTF-8", MANWIDTH="80")
    for page in pages:
        path = os.path.join(mandir, page)
        p = run(["groff", "-man", "-Tutf8", "-ww", "-z", path], env=env)
        if p.returncode or p.stderr.strip():
            fail(f"groff warns on {page}:\n{p.stderr}")
        p = run(["man", "-l", path], env=env)
        if p.returncode or p.stderr.strip() or "NAME" not in p.stdout:
            fail(f"man -l {page}: exit {p.returncode}\n{p.stderr}")
        for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "EXIT STATUS", "SEE ALSO"):
            if not re.search(rf"^{section}$", p.stdout, re.M):
                fail(f"{page} has no {section} section")
    print(f"{len(pages)} pages format without warnings")


def bash_complete(src, words, cword=None, cwd=None, env=None):
    """Run _etpu for COMP_WORDS=words (the last one is being completed)."""
    cword = len(words) - 1 if cword is None else cword
    arr = " ".join("'" + w.replace("'", "'\\''") + "'" for w in words)
    script = (f"source '{os.path.join(src, 'completions', 'etpu.bash')}'; "
              f"COMP_WORDS=({arr}); COMP_CWORD={cword}; _etpu; "
              'printf "%s\\n" "${COMPREPLY[@]}"')
    p = run(["bash", "--norc", "--noprofile", "-c", script], cwd=cwd,
            env=dict(os.environ, **(env or {})))
    if p.returncode or p.stderr:
        fail(f"_etpu on {words}: exit {p.returncode}: {p.stderr}")
    return [l for l in p.stdout.split("\n") if l]


def help_long_flags(text):
    """Long flags named in the option lines of a --help text, read independently of
    gen-man.py: an indented line starting with '-', up to its first 2-space gap."""
    flags = set()
    for line in text.split("\n"):
        m = re.match(r" +(-\S.*?)(?: {2,}|$)", line)
        if m:
            flags |= set(re.findall(r"--[A-Za-z][\w-]*", m.group(1)))
    return flags


def table_options(etpu):
    """{command: {flag: takes_value}} from the option tables (`etpu help --options-json`),
    which also build each command's getopt_long table (src/cli/cli_options.c)."""
    tables = json.loads(run([etpu, "help", "--options-json"]).stdout)["commands"]
    return {cmd: {n: o["meta"] is not None for o in t["options"] for n in o["names"]}
            for cmd, t in tables.items()}


def own_getopt_tables(src):
    """cmd_*.c files that parse with a struct option table of their own instead of
    the one cli_getopt_build() makes from their option table."""
    cli = os.path.join(src, "src", "cli")
    own = []
    for name in sorted(os.listdir(cli)):
        if name.startswith("cmd_") and name.endswith(".c"):
            with open(os.path.join(cli, name)) as f:
                if re.search(r"struct option\s+\w+\s*\[", f.read()):
                    own.append(name)
    return own


def test_flags(etpu, src):
    data = json.loads(gen(etpu, src, "--data"))
    tables = table_options(etpu)
    problems = []
    for cmd in data["commands"]:
        help_text = run([etpu, cmd, "--help"]).stdout
        want = help_long_flags(help_text)
        words = ["etpu", cmd] + (["install"] if cmd == "compiler" else []) + ["--"]
        got = set(bash_complete(src, words))
        if got != want:
            problems.append(f"{cmd}: bash offers {sorted(got - want)} not in --help, "
                            f"misses {sorted(want - got)}")
        table = tables.get(cmd)
        if table is None:
            problems.append(f"{cmd}: no option table in `etpu help --options-json`")
            continue
        table_longs = {n for n in table if n.startswith("--")}
        if table_longs != want:
            problems.append(f"{cmd}: the table has {sorted(table_longs - want)} that --help "
                            f"does not list; --help lists {sorted(want - table_longs)} the "
                            "table does not have")
        for o in data["options"][cmd]:
            for n in o["names"]:
                if n in table and table[n] != (o["meta"] is not None):
                    problems.append(f"{cmd}: {n} takes a value in the table: {table[n]}, "
                                    f"in gen-man.py's data: {o['meta'] is not None}")
    for name in own_getopt_tables(src):
        problems.append(f"src/cli/{name} parses with its own struct option table; "
                        "build it from the command's option table (cli_getopt_build)")
    passes = [l.split()[0] for l in run([etpu, "fix", "--list"]).stdout.split("\n") if l.strip()]
    for flag in ("--only", "--skip"):
        got = bash_complete(src, ["etpu", "fix", flag, ""])
        if got != passes:
            problems.append(f"fix {flag}: bash offers {got}, fix --list has {passes}")
    if problems:
        fail("\n".join(problems))
    print(f"{len(data['commands'])} commands: completion flags = --help flags = option table; "
          f"{len(passes)} passes")


def test_bash(etpu, src):
    data = json.loads(gen(etpu, src, "--data"))
    passes = data["passes"]
    with tempfile.TemporaryDirectory() as top:
        tmp = os.path.join(top, "work")
        os.makedirs(os.path.join(tmp, "sub"))
        for f in ("a.tflite", "b.tflite", "a_edgetpu.log", "notes.txt"):
            open(os.path.join(tmp, f), "w").close()
        cache = os.path.join(top, "cache")
        os.makedirs(os.path.join(cache, "etpu", "compiler", "16.0"))
        open(os.path.join(cache, "etpu", "compiler", "16.0", "manifest.json"), "w").close()
        os.makedirs(os.path.join(cache, "etpu", "compiler", ".install-1-x"))
        env = {"XDG_CACHE_HOME": cache}
        cases = [
            (["etpu", "fi"], ["fix"]),
            (["etpu", "c"], ["check", "compile", "compiler"]),
            (["etpu", "--v"], ["--version"]),
            (["etpu", "fix", "--o"], ["--output", "--only"]),
            (["etpu", "fix", "--only", "static-shapes,int"], ["static-shapes,int-io"]),
            (["etpu", "fix", "--skip", "int-io,"], [f"int-io,{p}" for p in passes if p != "int-io"]),
            (["etpu", "fix", "--only", "=", "gr"], ["grouped-conv"]),
            (["etpu", "fix", "--io", ""], ["uint8", "int8"]),
            (["etpu", "fix", "--io", "="], ["uint8", "int8"]),
            (["etpu", "compile", "--runner", "q"], ["qemu"]),
            (["etpu", "report", "--format", ""], ["html", "svg", "json"]),
            (["etpu", "compiler", ""], data["compiler_commands"]),
            (["etpu", "compiler", "status", "--runner", "b"], ["binfmt"]),
            (["etpu", "compiler", "remove", ""], ["16.0"]),
            (["etpu", "compile", "--compiler-version", ""], ["16.0"]),
            (["etpu", "check", ""], ["a.tflite", "b.tflite", "sub"]),
            (["etpu", "check", "a"], ["a.tflite"]),
            (["etpu", "fix", "--batch", "2", ""], ["a.tflite", "b.tflite", "sub"]),
            (["etpu", "compile", "-s", "-o", ""], ["sub"]),
            (["etpu", "log", ""], ["a_edgetpu.log", "sub"]),
            (["etpu", "report", "--log", "a"], ["a_edgetpu.log"]),
            (["etpu", "fix", "-o", "n"], ["notes.txt"]),
            (["etpu", "check", "--x"], []),
        ]
        for words, want in cases:
            got = bash_complete(src, words, cwd=tmp, env=env)
            if sorted(got) != sorted(want):
                fail(f"completing {' '.join(words)!r}: got {got}, want {want}")
    print(f"{len(cases)} bash completion cases pass")


ZSH_RC = r'''
# .zshrc of the zsh under test: completions/_etpu first on fpath, and compadd
# wrapped to print every match it adds (on stderr, appended to $OUT).
PS1='' PROMPT='' RPROMPT=''
unsetopt zle_bracketed_paste 2>/dev/null
fpath=($COMPDIR $fpath)
autoload -U compinit && compinit -u -D
zstyle ':completion:*' menu no
compadd() {
  # -O/-A/-D calls only filter lists for the completion functions: pass them on
  if (( ${@[(I)-[OAD]]} )); then builtin compadd "$@"; return; fi
  local -a __hits
  builtin compadd -A __hits "$@"
  print -rl -- '<m>' $__hits '</m>' >&2
  builtin compadd "$@"
}
cd $WORKDIR
exec 2>>$OUT
'''

ZSH_DRIVER = r'''
# Type each line of $CASES into an interactive zsh followed by TAB.
zmodload zsh/zpty || exit 3
zpty z zsh -d -i || exit 3
zpty -w z 'print READY'
zpty -r z line '*READY*' || exit 3
integer n=1000
for l in "${(@f)CASES}"; do
  print -r -- "<case>$l" >> $OUT
  zpty -w -n z "$l"$'\t'
  sleep 0.2
  # clear the line, then wait until the shell has run a command: zle handles its
  # input in order, so the completion is finished (the echo shows $((n+1))Z, the
  # output the number)
  zpty -w z $'\C-u'"print -r -- \$(($n+1))Z"
  (( n++ ))
  zpty -r z line "*${n}Z*" || exit 4
done
zpty -w z 'print DONE'
zpty -r z line '*DONE*'
zpty -d z
'''


def test_zsh(etpu, src):
    zsh = shutil.which("zsh")
    if not zsh:
        print("zsh not installed: completions/_etpu not checked")
        sys.exit(SKIP)
    comp = os.path.join(src, "completions", "_etpu")
    p = run([zsh, "-n", comp])
    if p.returncode or p.stderr:
        fail(f"zsh -n {comp}: {p.stderr}")
    data = json.loads(gen(etpu, src, "--data"))
    cases = {
        "etpu fi": {"fix"},
        "etpu compiler ": set(data["compiler_commands"]),
        "etpu fix --io ": {"uint8", "int8"},
        "etpu fix --only static-shapes,": set(data["passes"]) - {"static-shapes"},
        "etpu compile --runner ": {"auto", "native", "binfmt", "qemu"},
        "etpu report --format ": {"html", "svg", "json"},
        "etpu check ": {"a.tflite", "sub/"},
        "etpu log ": {"x_edgetpu.log", "sub/"},
    }
    with tempfile.TemporaryDirectory() as tmp:
        compdir = os.path.join(tmp, "comp")
        os.mkdir(compdir)
        shutil.copy(comp, compdir)
        work = os.path.join(tmp, "work")
        os.makedirs(os.path.join(work, "sub"))
        for f in ("a.tflite", "x_edgetpu.log", "notes.txt"):
            open(os.path.join(work, f), "w").close()
        out = os.path.join(tmp, "out")
        with open(os.path.join(tmp, ".zshrc"), "w") as f:
            f.write(ZSH_RC)
        env = dict(os.environ, COMPDIR=compdir, WORKDIR=work, OUT=out,
                   CASES="\n".join(cases), HOME=tmp, ZDOTDIR=tmp, TERM="dumb")
        p = run([zsh, "-f", "-c", ZSH_DRIVER], env=env, timeout=120)
        if p.returncode == 3:
            print(f"zsh -n passes; no pseudo-terminal for zpty here, completions not driven: {p.stderr}")
            sys.exit(SKIP)
        if p.returncode:
            fail(f"zsh driver exit {p.returncode}: {p.stderr}")
        with open(out, errors="replace") as f:
            text = f.read()
    got = {}
    for chunk in text.split("<case>")[1:]:
        line, _, rest = chunk.partition("\n")
        matches = set()
        for m in re.findall(r"<m>\n(.*?)</m>", rest, re.S):
            matches |= {x for x in m.split("\n") if x}
        got[line] = matches
    for line, want in cases.items():
        have = got.get(line, set())
        # file matches arrive without the trailing '/', descriptions may add more
        have_norm = {h.rstrip("/") for h in have}
        if not {w.rstrip("/") for w in want} <= have_norm:
            fail(f"zsh completing {line!r}: got {sorted(have)}, want {sorted(want)}")
        if line in ("etpu check ", "etpu log ") and "notes.txt" in have_norm:
            fail(f"zsh completing {line!r} offers notes.txt")
    print(f"zsh -n passes; {len(cases)} zsh completion cases pass")


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    etpu, src, what = sys.argv[1:]
    {"sync": test_sync, "lint": test_lint, "flags": test_flags, "bash": test_bash,
     "zsh": test_zsh}[what](etpu, os.path.abspath(src))


if __name__ == "__main__":
    main()
