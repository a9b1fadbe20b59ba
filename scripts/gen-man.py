#!/usr/bin/env python3
"""gen-man.py — etpu's man pages and shell completions, generated from its option tables and --help.

usage: scripts/gen-man.py [--etpu CMD] [--man-dir DIR] [--completions-dir DIR] [--data]

Reads every command's option table (src/cli/cmd_<command>.c, printed by the hidden
`etpu help --options-json`): flags, metavariables, what each value completes to and the
values it takes, and what the operands are; the same tables print the option lines of
`etpu <command> --help` and build the getopt_long tables that parse them. Runs
`etpu --help`, `etpu <command> --help` for the prose and `etpu fix --list`, and writes
  DIR/etpu.1, DIR/etpu-<command>.1     roff man pages (default docs/man)
  DIR/etpu.bash, DIR/_etpu             bash and zsh completion (default completions)
so the pages and completions cannot say something --help does not. What --help
cannot say (examples beyond its own, environment, files) is data below. The option
lines read back from --help must be the table's, name for name, or this script stops.

--data prints the parsed commands, flags and passes as JSON (the tests use it).
The output depends only on the binary's text (no dates), so CTest
(`man_pages_in_sync`, tests/docs.cmake) regenerates into a temp dir and
requires no difference from the checked-in files.
"""
import argparse
import json
import os
import re
import subprocess
import sys

# ---- hand-written data ------------------------------------------------------------

ENVIRONMENT = [
    ("ETPU_APT_REPO",
     "An apt repository that replaces the table's (default "
     "\\fBhttps://packages.cloud.google.com/apt\\fR) for \\fBetpu compiler install\\fR; a mirror "
     "with the same \\fBdists/coral\\-edgetpu\\-stable/main/binary\\-amd64/Packages\\fR and pool "
     "layout. The other sources are still tried after it (\\fB\\-\\-repo\\fR tries only it)."),
    ("ETPU_COMPILER_SOURCES",
     "For tests and mirrors: a JSON file that replaces etpu's table of known compiler "
     "artifacts (their pinned hashes) and sources, in the form \\fBetpu compiler sources "
     "\\-\\-json\\fR prints. Whatever it pins is trusted: use only a copy you checked."),
    ("ETPU_APT_KEYRING",
     "For tests and mirrors: the OpenPGP keyring (binary, as apt's \\fItrusted.gpg.d\\fR "
     "holds) the apt repository's \\fIInRelease\\fR is checked against with \\fBgpgv\\fR; "
     "default \\fI<datadir>/etpu/keyrings/coral\\-apt.gpg\\fR when installed. Without one, an "
     "unpinned package from the index is installed with a warning that the index is not "
     "authenticated."),
    ("ETPU_INSTALL_DEADLINE",
     "Seconds the whole \\fBetpu compiler install\\fR may take, every source, retry and wait "
     "included (default 900). \\fB\\-\\-deadline\\fR overrides it."),
    ("ETPU_HTTP_CA_FILE",
     "For tests and private mirrors: a PEM file of certificate authorities trusted for "
     "https downloads, besides the system's."),
    ("ETPU_HTTP_TIMEOUT",
     "Seconds (1\\(en3600) a download may go slower than 1 KiB/s before the attempt is "
     "abandoned, and the connect timeout; default 60 and 5. \\fB\\-\\-timeout\\fR overrides "
     "it."),
    ("ETPU_HTTP_RETRIES",
     "Extra attempts after a failed transfer (0\\(en20, default 3). "
     "\\fB\\-\\-retries\\fR overrides it."),
    ("ETPU_HTTP_RETRY_DELAY_MS",
     "Milliseconds before the first retry, doubled for each further one (0\\(en60000, "
     "default 500)."),
    ("XDG_CACHE_HOME",
     "Where installed compilers (\\fIetpu/compiler/\\fR) and cached compile results "
     "(\\fIetpu/compile/\\fR) live; default \\fI$HOME/.cache\\fR."),
    ("HOME", "Used for the cache when \\fBXDG_CACHE_HOME\\fR is not set."),
    ("TMPDIR",
     "Where \\fBetpu compile\\fR makes its temporary working directory (an absolute path; "
     "default \\fI/tmp\\fR)."),
    ("PATH",
     "Searched for \\fBqemu\\-x86_64\\fR and \\fBqemu\\-x86_64\\-static\\fR (\\fBqemu\\-aarch64\\fR "
     "for the aarch64 compiler) when the compiler has to run under QEMU, and for "
     "\\fBgpgv\\fR."),
    ("ETPU_HOST_ARCH",
     "Test hook: the host architecture to assume instead of \\fBuname \\-m\\fR when choosing how "
     "to run the compiler."),
    ("ETPU_BINFMT_DIR",
     "Test hook: the binfmt_misc directory to read instead of \\fI/proc/sys/fs/binfmt_misc\\fR."),
    ("ETPU_COMPILE_GRACE",
     "Test hook: seconds \\fBetpu compile\\fR lets the compiler run past its own timeout "
     "before stopping it (default 60)."),
]
ENV_FOR = {"compiler": ["ETPU_APT_REPO", "ETPU_COMPILER_SOURCES", "ETPU_APT_KEYRING",
                        "ETPU_INSTALL_DEADLINE", "ETPU_HTTP_CA_FILE", "ETPU_HTTP_TIMEOUT",
                        "ETPU_HTTP_RETRIES",
                        "ETPU_HTTP_RETRY_DELAY_MS", "XDG_CACHE_HOME", "HOME", "PATH"],
           "compile": ["XDG_CACHE_HOME", "HOME", "TMPDIR", "PATH", "ETPU_COMPILE_GRACE"]}

FILES = {
    "cache": ("$XDG_CACHE_HOME/etpu/compiler/VERSION/",
              "An installed compiler (default \\fI~/.cache/etpu/compiler/\\fR): the package's "
              "\\fIusr/bin/edgetpu_compiler_bin/\\fR and a \\fImanifest.json\\fR."),
    "compile-cache": ("$XDG_CACHE_HOME/etpu/compile/KEY/",
                      "A cached compile result, keyed by the models' SHA\\-256, the compiler "
                      "version and the flags (\\fB\\-\\-no\\-cache\\fR bypasses it)."),
    "fixed": ("MODEL_fixed.tflite", "What \\fBetpu fix\\fR writes unless told \\fB\\-o\\fR."),
    "compiled": ("X_edgetpu.tflite, X_edgetpu.log",
                 "What \\fBetpu compile\\fR (like \\fBedgetpu_compiler\\fR) writes into the output "
                 "directory."),
    "report": ("MODEL_report.html", "What \\fBetpu report\\fR writes unless told \\fB\\-o\\fR."),
}
FILES_FOR = {"": ["cache", "compile-cache", "fixed", "compiled", "report"],
             "compiler": ["cache"], "compile": ["cache", "compile-cache", "compiled"],
             "fix": ["fixed"], "report": ["report"]}

# Examples added to those --help shows.
EXAMPLES = {
    "": [("Predict, repair, predict again:",
          ["etpu check model.tflite", "etpu fix model.tflite", "etpu check model_fixed.tflite"]),
         ("Get the real compiler once (or offline from a copy), then compile:",
          ["etpu compiler install", "etpu compiler install --from edgetpu-compiler_16.0_amd64.deb",
           "etpu compile -s model_fixed.tflite"]),
         ("See where the graph splits, and read a log the compiler wrote:",
          ["etpu report model.tflite", "etpu log model_fixed_edgetpu.log"])],
    "check": [("", ["etpu check model.tflite", "etpu check -a model.tflite",
                    "etpu check build/examples/*.tflite",
                    "etpu check --json model.tflite | jq -r '.fatal[].kind'"])],
    "fix": [("", ["etpu fix --list", "etpu fix --dry-run model.tflite",
                  "etpu fix --io int8 -o model_int8.tflite model.tflite",
                  "etpu fix --only static-shapes,min-op-versions model.tflite"])],
    "compile": [("", ["etpu compile model.tflite", "mkdir -p out && etpu compile -s -o out model.tflite",
                      "etpu compile --fix --max-cpu-ops 2 model.tflite",
                      "etpu compile --runner qemu --json model.tflite"])],
    "report": [("", ["etpu report model.tflite", "etpu report --format svg -o model.svg model.tflite",
                     "etpu report --compiled model_edgetpu.tflite model.tflite",
                     "etpu report --log model_edgetpu.log -o model.html model.tflite"])],
}

SEE_ALSO_EXTRA = []
DOC_NOTE = ("The user guide, \\fIdocs/guide.md\\fR in the source (installed as "
            "\\fIshare/doc/etpu/guide.md\\fR), walks through exporting a model from TensorFlow, "
            "checking, fixing, compiling and reading the results on a Raspberry Pi 5, with "
            "what to do for each status message and compiler error.")

OVERVIEW = [
    "A model goes to the Edge TPU in four steps, each a command:",
    ".IP 1. 4",
    "\\fBetpu check\\fR predicts, offline and in the compiler's own words, which ops "
    "\\fBedgetpu_compiler\\fR 16 will map and why the rest will not;",
    ".IP 2. 4",
    "\\fBetpu fix\\fR rewrites what can be rewritten without changing the results "
    "(dynamic batch, float inputs and outputs, grouped convolutions, op versions);",
    ".IP 3. 4",
    "\\fBetpu compiler install\\fR fetches Google's real compiler (an x86\\-64 program, or the "
    "old native aarch64 2.0) from the first source that has it, verified against pinned "
    "hashes, and "
    "\\fBetpu compile\\fR runs it here, natively or under QEMU;",
    ".IP 4. 4",
    "\\fBetpu report\\fR draws where the graph is split between Edge TPU and CPU, and "
    "\\fBetpu log\\fR explains what the compiler printed.",
    ".PP",
    "\\fBetpu inspect\\fR shows what is in any \\fI.tflite\\fR file, compiled or not. Every "
    "model is verified completely before it is used: a damaged or hostile file gets one line "
    "naming what is wrong and at which byte.",
]

# ---- running etpu and parsing its help ---------------------------------------------


def run(etpu, *args):
    env = dict(os.environ, LC_ALL="C", LANG="C")
    p = subprocess.run([etpu, *args], capture_output=True, text=True, env=env)
    if p.returncode != 0:
        sys.exit(f"gen-man: `etpu {' '.join(args)}` exited {p.returncode}: {p.stderr.strip()}")
    return p.stdout


class Item:
    def __init__(self, term, desc, bullet=False):
        self.term, self.desc, self.bullet = term, desc, bullet


class Block:
    def __init__(self):
        self.intro = []     # lines at column 0
        self.lines = []     # indented lines that follow them
        self.items = []

    @property
    def heading(self):
        return " ".join(self.intro)


def indent(line):
    return len(line) - len(line.lstrip(" "))


def parse_items(lines):
    base = min(indent(l) for l in lines)
    items = []
    for l in lines:
        s = l.strip()
        if indent(l) == base or not items:
            m = re.match(r"- (\S.*)$", s)
            if m:
                items.append(Item(None, [m.group(1)], bullet=True))
                continue
            term, *desc = re.split(r" {2,}", s, maxsplit=1)
            items.append(Item(term, desc))
        else:
            items[-1].desc.append(s)
    return items


def parse_help(text):
    lines = text.rstrip("\n").split("\n")
    if not lines[0].startswith("usage: "):
        sys.exit(f"gen-man: help does not start with 'usage: ': {lines[0]!r}")
    usage = lines[0][len("usage: "):]
    blocks, cur = [], None
    for line in lines[1:]:
        if not line.strip():
            cur = None
        elif not line.startswith(" "):
            if cur is None or cur.lines:
                cur = Block()
                blocks.append(cur)
            cur.intro.append(line.strip())
        else:
            if cur is None:
                cur = Block()
                blocks.append(cur)
            cur.lines.append(line)
    for b in blocks:
        if b.lines:
            b.items = parse_items(b.lines)
        for it in b.items:
            if is_option_term(it):
                # an option's value is one word: more is description that lost its
                # column ('--compiler-version V which installed compiler to use')
                m = re.match(r"(.*\s-[-\w]+ \S+|-[-\w]+ \S+) (\S.*)$", it.term)
                if m and not m.group(2).startswith("-"):
                    it.term, it.desc = m.group(1), [m.group(2)] + it.desc
    return usage, blocks


def is_option_term(item):
    return not item.bullet and item.term.startswith("-") and item.term != "-"


def option_specs(term):
    """'-o, --output OUT' -> [(['-o', '--output'], 'OUT')]; several options on one line
    ('--runner auto|native, --emulator PATH') give several specs."""
    specs, shorts = [], []
    for piece in re.split(r", (?=-)", term):
        name, _, meta = piece.partition(" ")
        if re.fullmatch(r"-[A-Za-z]", name) and not meta:
            shorts.append(name)
            continue
        specs.append((shorts + [name], meta or None))
        shorts = []
    if shorts:
        specs.append((shorts, None))
    return specs


def gather(etpu):
    """Everything the outputs are made of, from the binary."""
    version_line = run(etpu, "--version").split("\n")[0]
    m = re.match(r"etpu (\S+)", version_line)
    if not m:
        sys.exit(f"gen-man: unexpected --version line {version_line!r}")
    top_usage, top_blocks = parse_help(run(etpu, "--help"))
    commands = []
    for b in top_blocks:
        if b.heading == "Commands:":
            commands = [(i.term, " ".join(i.desc)) for i in b.items]
    if not commands:
        sys.exit("gen-man: `etpu --help` lists no commands")
    data = {"version": m.group(1), "usage": top_usage, "blocks": top_blocks,
            "commands": commands, "cmd": {}}
    tables = json.loads(run(etpu, "help", "--options-json"))["commands"]
    for name, summary in commands:
        usage, blocks = parse_help(run(etpu, name, "--help"))
        table = tables.get(name)
        if table is None:
            sys.exit(f"gen-man: `etpu help --options-json` has no table for {name}")
        opts = [dict(o) for o in table["options"]]
        in_help = [(names, meta) for b in blocks for it in b.items if is_option_term(it)
                   for names, meta in option_specs(it.term)]
        if in_help != [(o["names"], o["meta"]) for o in opts]:
            sys.exit(f"gen-man: the option lines of `etpu {name} --help` are not its table's:\n"
                     f"  help:  {in_help}\n  table: {[(o['names'], o['meta']) for o in opts]}")
        subs = []
        if name == "compiler":
            for b in blocks:
                if b.heading == "Commands:":
                    subs = [(i.term.split()[0], " ".join(i.desc)) for i in b.items]
        data["cmd"][name] = {"summary": summary, "usage": usage, "blocks": blocks,
                             "options": opts, "subcommands": subs,
                             "operands": table["operands"]}
    passes = []
    for line in run(etpu, "fix", "--list").rstrip("\n").split("\n"):
        pm = re.match(r"(\S+)\s+(\S.*)$", line)
        if pm:
            passes.append((pm.group(1), pm.group(2)))
    data["passes"] = passes
    classify_values(data)
    return data


def classify_values(data):
    """What each option's value completes to is in its table; the pass names come
    from `etpu fix --list`."""
    passes = [p for p, _ in data["passes"]]
    for c in data["cmd"].values():
        for o in c["options"]:
            o["long"] = next((n for n in o["names"] if n.startswith("--")), o["names"][0])
            if o["kind"] == "passes":
                o["values"] = passes


# ---- roff -------------------------------------------------------------------------


def esc(s):
    """Plain text to roff: backslashes, minus signs, quotes; `code` in bold."""
    out = []
    for i, part in enumerate(re.split(r"`([^`]+)`", s)):
        t = part.replace("\\", "\\e").replace("-", "\\-").replace("'", "\\(aq")
        t = t.replace("`", "\\(ga")
        out.append(f"\\fB{t}\\fR" if i % 2 else t)
    return "".join(out)


def line_out(s):
    """A text line: nothing may start it that roff would take for a request."""
    s = s.strip()
    return "\\&" + s if s.startswith((".", "'")) else s


def fmt_token(tok):
    if not tok:
        return tok
    if tok.startswith("[") or tok.endswith("]"):
        lead = "[" if tok.startswith("[") else ""
        tail = "]" if tok.endswith("]") else ""
        inner = tok[len(lead):len(tok) - len(tail)]
        return lead + fmt_token(inner) + tail
    if tok.endswith(","):
        return fmt_token(tok[:-1]) + ","
    if tok.startswith("-") and tok != "-":
        return f"\\fB{esc(tok)}\\fR"
    if tok.startswith("<") and tok.endswith(">"):
        return f"\\fI{esc(tok[1:-1])}\\fR"
    core = tok.rstrip(".")
    if re.fullmatch(r"[A-Z][A-Z0-9_]*(?:[,|][A-Z0-9_]+)*", core) or core.startswith("X_edgetpu"):
        return f"\\fI{esc(core)}\\fR{esc(tok[len(core):])}"
    return esc(tok)


def fmt_term(term, bold_words=0):
    toks = term.split(" ")
    out = [f"\\fB{esc(t)}\\fR" for t in toks[:bold_words]]
    out += [fmt_token(t) for t in toks[bold_words:]]
    return " ".join(out)


def render_items(items, term_bold_words=0):
    out = []
    for it in items:
        if it.bullet:
            out.append(".IP \\(bu 2")
        else:
            out.append(".TP")
            out.append(line_out(fmt_term(it.term, term_bold_words)))
        out += [line_out(esc(d)) for d in it.desc]
    return out


def render_exit(block):
    """'Exit status: 0 x; 1 y; 2 z.' or an 'Exit codes:' list -> .TP per code."""
    out = []
    text = block.heading.split(":", 1)[1].strip()
    if text:
        parts = re.split(r"(?:^|[;,] )(\d) ", text)
        codes = parts[1::2]
        if parts[0] == "" and codes == sorted(codes) and len(codes) > 1:
            for code, desc in zip(codes, parts[2::2]):
                desc = desc.strip().rstrip(".;,")
                out += [".TP", f"\\fB{code}\\fR", line_out(esc(desc[0].upper() + desc[1:] + "."))]
        else:
            out += [".PP", line_out(esc(text))]
    items = []
    for it in block.items:   # one style for both forms: a capital and a full stop
        d = list(it.desc)
        if d:
            d[0] = d[0][0].upper() + d[0][1:]
            d[-1] += "" if d[-1].endswith(".") else "."
        items.append(Item(it.term, d))
    out += render_items(items, term_bold_words=1)
    return out


def render_example_lines(lines):
    base = min(indent(l) for l in lines)
    return [".PP", ".EX"] + [line_out(esc(l[base:])) for l in lines] + [".EE"]


def render_hand_examples(groups):
    out = []
    for caption, cmds in groups:
        if caption:
            out += [".PP", esc(caption)]
        out += [".PP", ".EX"] + [line_out(esc(c)) for c in cmds] + [".EE"]
    return out


def split_blocks(blocks):
    """-> description, commands, options (ordered), exit, examples. A descriptive
    block that follows the options (e.g. how --runner works) stays with them."""
    desc, commands, general, other_opts, trailing, exits, examples = [], [], [], [], [], [], []
    for b in blocks:
        h = b.heading
        if re.match(r"Exit (status|codes):", h):
            exits.append(b)
        elif re.fullmatch(r"Examples?:", h):
            examples.append(b)
        elif h == "Commands:":
            commands.append(b)
        elif b.items and all(is_option_term(i) for i in b.items):
            (general if h in ("Options:", "Global options:") else other_opts).append(b)
        elif general or other_opts:
            trailing.append(b)
        else:
            desc.append(b)
    return desc, commands, general + other_opts + trailing, exits, examples


def render_desc_blocks(blocks):
    out = []
    for b in blocks:
        if b.intro:
            out += [".PP"] + [line_out(esc(l)) for l in b.intro]
        if b.items:
            out += render_items(b.items)
    return out


def render_options(blocks):
    out = []
    for b in blocks:
        h = b.heading
        if h in ("Options:", "Global options:"):
            pass
        elif h.endswith(":") and len(h.split()) <= 6:
            out += [".SS " + esc(h[:-1])]
        elif h:
            out += [".PP"] + [line_out(esc(l)) for l in b.intro]
        out += render_items(b.items) if b.items else []
    return out


def th(name, version):
    # .nh/.ad l: no hyphenation and a ragged right edge, so flags and paths
    # are never split and can be copied from the page
    return [f'.TH {esc(name.upper())} 1 "" "etpu {esc(version)}" "etpu manual"', ".nh", ".ad l",
            ".nr HY 0"]


def header_comment():
    return ['.\\" Generated by scripts/gen-man.py from the option tables and --help text of etpu; do not edit.',
            '.\\" Regenerate: python3 scripts/gen-man.py --etpu build/src/etpu']


def environment(names):
    out = [".SH ENVIRONMENT"]
    for var, text in ENVIRONMENT:
        if names is None or var in names:
            out += [".TP", f"\\fB{var}\\fR", text]
    return out


def files(keys):
    out = [".SH FILES"]
    for k in keys:
        path, text = FILES[k]
        out += [".TP", f"\\fI{esc(path)}\\fR", text]
    return out


def see_also(data, exclude):
    refs = ["etpu(1)"] + [f"etpu\\-{n}(1)" for n, _ in data["commands"]]
    refs = [r for r in refs if r != exclude] + SEE_ALSO_EXTRA
    return [".SH SEE ALSO", ",\n".join(f"\\fB{r.split('(')[0]}\\fR({r.split('(')[1]}"
                                      for r in refs), ".PP", DOC_NOTE]


def page_main(data):
    v = data["version"]
    blocks = data["blocks"]
    desc, commands, opts, exits, examples = split_blocks(blocks)
    tagline = " ".join(desc[0].intro).rstrip(".")
    out = header_comment() + th("etpu", v)
    out += [".SH NAME", f"etpu \\- {esc(tagline[0].lower() + tagline[1:])}"]
    out += [".SH SYNOPSIS", line_out(fmt_term(data["usage"], 1)), ".br",
            "\\fBetpu\\fR \\fIcommand\\fR \\fB\\-\\-help\\fR", ".br", "\\fBetpu \\-\\-version\\fR"]
    out += [".SH DESCRIPTION"] + OVERVIEW + render_desc_blocks(desc[1:])
    out += [".SH COMMANDS"]
    for name, summary in data["commands"]:
        out += [".TP", f"\\fBetpu {esc(name)}\\fR",
                line_out(esc(summary[0].upper() + summary[1:]) + f"; see \\fBetpu\\-{esc(name)}\\fR(1).")]
    out += [".SH OPTIONS"] + render_options(opts)
    out += [".SH EXIT STATUS"] + sum((render_exit(b) for b in exits), [])
    out += environment(None)
    out += files(FILES_FOR[""])
    out += [".SH EXAMPLES"] + render_hand_examples(EXAMPLES[""])
    out += see_also(data, "etpu(1)")
    return "\n".join(out) + "\n"


def page_cmd(data, name):
    c = data["cmd"][name]
    v = data["version"]
    desc, commands, opts, exits, examples = split_blocks(c["blocks"])
    out = header_comment() + th(f"etpu-{name}", v)
    out += [".SH NAME", f"etpu\\-{esc(name)} \\- {esc(c['summary'])}"]
    out += [".SH SYNOPSIS", line_out(fmt_term(c["usage"], 2))]
    out += [".SH DESCRIPTION"] + render_desc_blocks(desc)
    for b in commands:
        out += [".SH COMMANDS"] + render_items(b.items, term_bold_words=1)
    if opts:
        out += [".SH OPTIONS"] + render_options(opts)
    if name == "fix" and data["passes"]:
        out += [".SH PASSES", "Listed by \\fBetpu fix \\-\\-list\\fR; "
                "\\fB\\-\\-only\\fR and \\fB\\-\\-skip\\fR take comma\\-separated names."]
        for p, d in data["passes"]:
            out += [".TP", f"\\fB{esc(p)}\\fR", line_out(esc(d))]
    out += [".SH EXIT STATUS"] + sum((render_exit(b) for b in exits), [])
    if name in ENV_FOR:
        out += environment(ENV_FOR[name])
    if name in FILES_FOR:
        out += files(FILES_FOR[name])
    ex = sum((render_example_lines(b.lines) for b in examples), [])
    ex += render_hand_examples(EXAMPLES.get(name, []))
    if ex:
        out += [".SH EXAMPLES"] + ex
    out += see_also(data, f"etpu\\-{name}(1)")
    return "\n".join(out) + "\n"


# ---- completions -----------------------------------------------------------------


def bash_words(words):
    return " ".join(words)


def sh_quote(s):
    return "'" + s.replace("'", "'\\''") + "'"


def bash_value_action(o, cmd):
    k = o["kind"]
    if k == "choice":
        return f'_etpu_words "$cur" {bash_words(o["values"])}'
    if k == "passes":
        return f'_etpu_list "$cur" {bash_words(o["values"])}'
    if k == "installed":
        return '_etpu_installed "$cur"'
    if k == "tflite":
        return '_etpu_files "$cur" tflite'
    if k == "log":
        return '_etpu_files "$cur" log'
    if k == "file":
        return '_etpu_files "$cur" ""'
    if k == "dir":
        return '_etpu_dirs "$cur"'
    return ":"


def bash_flags(opts):
    longs = [n for o in opts for n in o["names"] if n.startswith("--")]
    shorts = [n for o in opts for n in o["names"] if not n.startswith("--")]
    return longs, shorts


def bash_cmd_function(data, name):
    c = data["cmd"][name]
    opts = c["options"]
    longs, shorts = bash_flags(opts)
    f = [f"_etpu_{name}()", "{"]
    valued = [o for o in opts if o["kind"] is not None]
    if valued:
        f.append('    case $prev in')
        groups = {}
        for o in valued:
            groups.setdefault(bash_value_action(o, name), []).extend(o["names"])
        for action, names in groups.items():
            f.append(f'        {"|".join(names)}) {action}; return ;;')
        f.append('    esac')
    if name == "compiler":   # `etpu compiler COMMAND [options]`: the command comes first
        subs = [s for s, _ in c["subcommands"]]
        f.append('    if (( cword == 2 )); then')
        f.append('        if [[ $cur == -* ]]; then')
        f.append('            _etpu_words "$cur" -h --help')
        f.append('        else')
        f.append(f'            _etpu_words "$cur" {bash_words(subs)}')
        f.append('        fi')
        f.append('        return')
        f.append('    fi')
    f.append('    if [[ $cur == --* ]]; then')
    f.append(f'        _etpu_words "$cur" {bash_words(longs)}; return')
    f.append('    elif [[ $cur == -* ]]; then')
    f.append(f'        _etpu_words "$cur" {bash_words(shorts + longs)}; return')
    f.append('    fi')
    if name == "compiler":
        f.append('    if [[ ${COMP_WORDS[2]} == remove ]]; then')
        f.append('        _etpu_installed "$cur"')
        f.append('    fi')
    elif data["cmd"][name]["operands"]:
        f.append(f'    _etpu_files "$cur" {data["cmd"][name]["operands"]}')
    f.append("}")
    return f


BASH_HELPERS = r'''# _etpu_words CUR WORD...: the words that start with CUR.
_etpu_words()
{
    local cur=$1 w
    shift
    for w in "$@"; do
        [[ $w == "$cur"* ]] && COMPREPLY+=("$w")
    done
}

# _etpu_list CUR WORD...: complete the last item of a comma-separated list,
# leaving out the items already in it.
_etpu_list()
{
    local cur=$1 prefix= last=$1 w
    shift
    if [[ $cur == *,* ]]; then
        prefix=${cur%,*},
        last=${cur##*,}
    fi
    for w in "$@"; do
        [[ ,$prefix == *,"$w",* ]] && continue
        [[ $w == "$last"* ]] && COMPREPLY+=("$prefix$w")
    done
}

# _etpu_files CUR EXT: files ending in .EXT (any file if EXT is empty), and directories.
_etpu_files()
{
    local cur=$1 ext=$2
    if [[ -n $ext ]]; then
        mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -f -X "!*.$ext" -- "$cur")
        mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -d -- "$cur")
    else
        mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -f -- "$cur")
    fi
    compopt -o filenames 2>/dev/null
}

_etpu_dirs()
{
    mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -d -- "$1")
    compopt -o filenames 2>/dev/null
}

# _etpu_installed CUR: compiler versions installed by `etpu compiler install`.
_etpu_installed()
{
    local d=${XDG_CACHE_HOME:-$HOME/.cache}/etpu/compiler v
    local -a versions=()
    for v in "$d"/*/manifest.json; do
        [[ -f $v ]] || continue
        v=${v%/manifest.json}
        versions+=("${v##*/}")
    done
    _etpu_words "$1" "${versions[@]}"
}
'''


def gen_bash(data):
    cmds = [n for n, _ in data["commands"]]
    top_longs, top_shorts = bash_flags([{"names": n} for b in data["blocks"] for it in b.items
                                        if is_option_term(it) for n, _ in option_specs(it.term)])
    out = ["# bash completion for etpu                                  -*- shell-script -*-",
           f"# Generated by scripts/gen-man.py from the option tables and --help text of etpu {data['version']};"
           " do not edit.",
           "# Plain bash (compgen, compopt); the bash-completion package is not needed.",
           "# Install as /usr/share/bash-completion/completions/etpu, or source it.", ""]
    out += BASH_HELPERS.split("\n")
    for name in cmds:
        out += bash_cmd_function(data, name) + [""]
    out += ["_etpu()", "{",
            "    local cword=$COMP_CWORD cur prev",
            "    cur=${COMP_WORDS[cword]}",
            "    prev=${COMP_WORDS[cword-1]}",
            "    # bash splits --flag=value at the '=': complete the value of --flag",
            "    if [[ $cur == = ]]; then",
            "        cur=",
            "    elif [[ $prev == = ]] && (( cword > 2 )); then",
            "        prev=${COMP_WORDS[cword-2]}",
            "    fi",
            "    COMPREPLY=()",
            "    if (( cword == 1 )); then",
            "        if [[ $cur == -* ]]; then",
            f'            _etpu_words "$cur" {bash_words(top_shorts + top_longs)}',
            "        else",
            f'            _etpu_words "$cur" {bash_words(cmds)}',
            "        fi",
            "        return",
            "    fi",
            "    case ${COMP_WORDS[1]} in"]
    for name in cmds:
        out.append(f"        {name}) _etpu_{name} ;;")
    out += ["    esac", "}", "complete -F _etpu etpu", ""]
    return "\n".join(out)


def short_desc(text):
    """A help description shortened for a completion menu: no parentheses, no leading
    'label:' ('static-shapes: the batch ...'), up to the first ';', ':' or sentence end."""
    t = re.sub(r"\s*\([^()]*\)|\s*\{.*\}", "", text).strip()
    m = re.match(r"([\w-]+): (.*)", t)
    if m:
        t = m.group(2)
    t = re.split(r"; |: |\.\s+(?=[A-Z-])", t)[0].strip()
    if len(t) > 80:
        t = t[:t.rfind(", " if ", " in t[:80] else " ", 0, 80)]
    return t.rstrip(".,")


def zsh_desc(text):
    """short_desc, safe inside '...[here]...' of an _arguments spec."""
    t = short_desc(text).replace("\\", "\\\\").replace("[", "(").replace("]", ")")
    return t.replace("'", "'\\''")


def zsh_action(o):
    k = o["kind"]
    meta = (o["meta"] or "value").lower().replace(":", "")
    if k == "choice":
        return f"{meta}:({' '.join(o['values'])})"
    if k == "passes":
        return "passes:_etpu_passes"
    if k == "installed":
        return "version:_etpu_installed"
    if k == "tflite":
        return 'model:_files -g "*.tflite(-.)"'
    if k == "log":
        return 'log:_files -g "*.log(-.)"'
    if k == "file":
        return f"{meta}:_files"
    if k == "dir":
        return "directory:_files -/"
    return f"{meta}: "


def zsh_option_specs(opts):
    specs = []
    for o in opts:
        names = o["names"]
        desc = zsh_desc(o["desc"]) if o["desc"] else zsh_desc(o["long"].lstrip("-").replace("_", " "))
        if o["kind"] == "choice" and desc in o["values"]:   # 'html (default); svg: ...'
            desc = " or ".join(o["values"])
        excl = "(- *)" if o["long"] == "--help" else ("(" + " ".join(names) + ")" if len(names) > 1 else "")
        if o["kind"] is not None:
            forms = [n + ("+" if not n.startswith("--") else "=") for n in names]
            tail = f"[{desc}]:{zsh_action(o)}"
        else:
            forms, tail = names, f"[{desc}]"
        if len(forms) > 1:
            specs.append(f"'{excl}'{{{','.join(forms)}}}'{tail}'")
        else:
            specs.append(f"'{excl}{forms[0]}{tail}'")
    return specs


def gen_zsh(data):
    cmds = data["commands"]
    out = ["#compdef etpu",
           f"# zsh completion for etpu. Generated by scripts/gen-man.py from the option tables and"
           f" --help text of etpu {data['version']};",
           "# do not edit. Install as _etpu in a directory on $fpath (e.g."
           " /usr/share/zsh/vendor-completions).", "",
           "_etpu_passes() {",
           "  _values -s , 'pass' \\"]
    out += [f"    '{p}[{zsh_desc(d)}]' \\" for p, d in data["passes"]]
    out[-1] = out[-1][:-2]
    out += ["}", "",
            "_etpu_installed() {",
            "  local -a versions",
            "  versions=( ${XDG_CACHE_HOME:-$HOME/.cache}/etpu/compiler/*/manifest.json(N:h:t) )",
            "  _wanted versions expl 'installed compiler version' compadd -a versions",
            "}", ""]
    for name, _ in cmds:
        c = data["cmd"][name]
        specs = zsh_option_specs(c["options"])
        out += [f"_etpu_{name}() {{"]
        if name == "compiler":
            out += ["  if (( CURRENT == 2 )); then",
                    "    local -a subs=("]
            out += [f"      '{s}:{zsh_desc(d)}'" for s, d in c["subcommands"]]
            out += ["    )", "    _describe -t commands 'etpu compiler command' subs",
                    "    return", "  fi",
                    "  local -a rest=()",
                    "  [[ $words[2] == remove ]] && rest=('*:version:_etpu_installed')",
                    "  shift words; (( CURRENT-- ))",
                    "  _arguments -s -S \\"]
            out += [f"    {s} \\" for s in specs]
            out += ['    "${rest[@]}"']
        else:
            pos = c["operands"]
            act = zsh_action({"kind": pos, "meta": None})
            many = c["usage"].rstrip().endswith("...")
            out += ["  _arguments -s -S \\"]
            out += [f"    {s} \\" for s in specs]
            out += [f"    '{'*' if many else ''}:{act}'"]
        out += ["}", ""]
    top_specs = []
    for b in data["blocks"]:
        for it in b.items:
            if is_option_term(it):
                for names, meta in option_specs(it.term):
                    top_specs += zsh_option_specs([{"names": names, "meta": meta, "kind": None,
                                                    "desc": " ".join(it.desc),
                                                    "long": names[-1]}])
    top_specs = [s.replace("'(-h --help)'", "'(- *)'").replace("'--version[", "'(- *)--version[")
                 for s in top_specs]
    out += ["_etpu() {",
            "  local curcontext=$curcontext state line ret=1",
            "  typeset -A opt_args",
            "  _arguments -C \\"]
    out += [f"    {s} \\" for s in top_specs]
    out += ["    '1:command:->command' \\",
            "    '*::argument:->argument' && ret=0",
            "  case $state in",
            "    command)",
            "      local -a cmds=("]
    out += [f"        '{n}:{zsh_desc(s)}'" for n, s in cmds]
    out += ["      )",
            "      _describe -t commands 'etpu command' cmds && ret=0",
            "      ;;",
            "    argument)",
            "      curcontext=${curcontext%:*:*}:etpu-$words[1]:",
            "      case $words[1] in"]
    out += [f"        {n}) _etpu_{n} && ret=0 ;;" for n, _ in cmds]
    out += ["      esac",
            "      ;;",
            "  esac",
            "  return ret",
            "}", "",
            '_etpu "$@"', ""]
    return "\n".join(out)


# ---- main ------------------------------------------------------------------------


def write(path, text):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--etpu", default=os.path.join(root, "build", "src", "etpu"),
                    help="the etpu binary (or a wrapper that runs it)")
    ap.add_argument("--man-dir", default=os.path.join(root, "docs", "man"))
    ap.add_argument("--completions-dir", default=os.path.join(root, "completions"))
    ap.add_argument("--data", action="store_true", help="print the parsed help as JSON")
    a = ap.parse_args()
    data = gather(a.etpu)
    if a.data:
        print(json.dumps({"version": data["version"],
                          "commands": [n for n, _ in data["commands"]],
                          "passes": [p for p, _ in data["passes"]],
                          "options": {n: [{k: o[k] for k in ("names", "meta", "kind", "values")}
                                          for o in c["options"]]
                                      for n, c in data["cmd"].items()},
                          "compiler_commands": [s for s, _ in data["cmd"]["compiler"]["subcommands"]]},
                         indent=1))
        return
    write(os.path.join(a.man_dir, "etpu.1"), page_main(data))
    for name, _ in data["commands"]:
        write(os.path.join(a.man_dir, f"etpu-{name}.1"), page_cmd(data, name))
    write(os.path.join(a.completions_dir, "etpu.bash"), gen_bash(data))
    write(os.path.join(a.completions_dir, "_etpu"), gen_zsh(data))


if __name__ == "__main__":
    main()
