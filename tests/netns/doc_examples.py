#!/usr/bin/env python3
"""doc_examples.py OUTDIR FILE... - write every pfsyncd.conf example of the
README (``` blocks) and the man pages (.Bd -literal blocks) to OUTDIR, one
file each, named after its source and line: <file>-L<line>.conf.

A block is a configuration example when its first line that is neither
blank nor a comment starts with a pfsyncd.conf keyword (the keywords of
pfsyncd.conf(5), read from its `.It Ic` entries) not followed by a word
ending in a colon (command output such as "link eth2: up").  Lines are taken
verbatim, mdoc escapes undone (\\(dq, \\e, \\&).  Prints the names."""
import os
import re
import sys

MAN5 = os.path.join(os.path.dirname(__file__), "../../man/pfsyncd.conf.5")


def keywords():
    kw = set()
    with open(MAN5) as f:
        for line in f:
            m = re.match(r"\.It Ic (\S+)", line)
            if m:
                kw.add(m.group(1))
    return kw


def unescape(line):
    return (line.replace("\\(dq", '"').replace("\\e", "\\")
            .replace("\\&", "").replace("\\-", "-"))


def blocks(path):
    """(first line number, [lines]) of each literal block."""
    out, cur, start, indent = [], None, 0, 0
    md = path.endswith(".md")
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            fence = md and line.lstrip().startswith("```")
            if cur is None:
                if fence or (not md and line.startswith(".Bd -literal")):
                    cur, start = [], n + 1
                    indent = len(line) - len(line.lstrip())
                continue
            if fence or (not md and line.startswith(".Ed")):
                out.append((start, cur))
                cur = None
                continue
            # a block in a list item is indented like its fence
            cur.append(line[indent:] if md else unescape(line))
    return out


def is_conf(lines, kw):
    for line in lines:
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        w = s.split()
        # output that starts with a keyword names its subject with a
        # colon ("link eth2: up ..."), which no configuration line does
        return w[0] in kw and not (len(w) > 1 and w[1].endswith(":"))
    return False


def main():
    outdir, files = sys.argv[1], sys.argv[2:]
    kw = keywords()
    for path in files:
        for start, lines in blocks(path):
            if not is_conf(lines, kw):
                continue
            name = "%s-L%d.conf" % (os.path.basename(path), start)
            with open(os.path.join(outdir, name), "w") as f:
                f.write("\n".join(lines) + "\n")
            print(name)


if __name__ == "__main__":
    main()
