#!/usr/bin/env python3
# Writes the hand-made hostile inputs kept in note/ and args/ (replayed by
# tests/unit/test_fuzz_regressions.c, and seeds for tests/fuzz/run.sh): ELF files whose headers,
# sections, segments or notes lie, and argument strings at the edges of every grammar.
# Crashers found by the fuzzers are kept next to them as the files libFuzzer wrote.
# Usage: tests/fuzz/regressions/mkhostile.py   (rewrites the hostile-* files in place)
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))

EM_X86_64, EM_386, EM_ARM, EM_S390, EM_SPARCV9 = 62, 3, 40, 22, 43
SHT_PROGBITS, SHT_NOTE, SHT_STRTAB, SHT_NOBITS = 1, 7, 3, 8
SHF_ALLOC, SHF_EXEC, SHF_WRITE = 2, 4, 1
PT_LOAD, PF_X, PF_W, PF_R = 1, 1, 2, 4


class Elf:
    """A small ELF writer: sections laid out after the header, then phdrs, then shdrs."""

    def __init__(self, cls=64, big=False, machine=EM_X86_64, etype=3):
        self.cls, self.big, self.machine, self.etype = cls, big, machine, etype
        self.e = ">" if big else "<"
        self.w = "Q" if cls == 64 else "I"
        self.sections = []  # name, type, flags, addr, data, extra overrides
        self.phdrs = []  # (type, flags, offset, vaddr, filesz, memsz)
        self.hdr = {}  # overrides of ehdr fields

    def section(self, name, stype, flags=0, addr=0, data=b"", **over):
        """over: header fields that lie (type, size, offset); a small offset places the data."""
        s = dict(name=name, type=stype, flags=flags, addr=addr, data=data)
        s.update(over)
        self.sections.append(s)

    def segment(self, flags, offset, vaddr, filesz, memsz=None):
        self.phdrs.append((PT_LOAD, flags, offset, vaddr, filesz, filesz if memsz is None else memsz))

    def note(self, pc, base, sema, provider, name, args, owner=b"stapsdt", ntype=3,
             namesz=None, descsz=None):
        desc = struct.pack(self.e + self.w * 3, pc, base, sema)
        desc += provider + b"\0" + name + b"\0" + (args + b"\0" if args is not None else b"")
        own = owner + b"\0"
        out = struct.pack(self.e + "III", len(own) if namesz is None else namesz,
                          len(desc) if descsz is None else descsz, ntype)
        out += own + b"\0" * (-len(own) % 4) + desc + b"\0" * (-len(desc) % 4)
        return out

    def build(self):
        ehsz = 64 if self.cls == 64 else 52
        phsz = 56 if self.cls == 64 else 32
        shsz = 64 if self.cls == 64 else 40
        names = b"\0"
        name_off = []
        for s in self.sections + [dict(name=".shstrtab")]:
            name_off.append(len(names))
            names += s["name"].encode() + b"\0"
        self.section(".shstrtab", SHT_STRTAB, data=names)
        body = bytearray(b"\0" * ehsz)
        for s in self.sections:  # data at its stated offset first, when that is in the file
            off = s.get("offset")
            if off is not None and off < 1 << 20:
                body += b"\0" * max(0, off + len(s["data"]) - len(body))
                body[off:off + len(s["data"])] = s["data"]
        offs = []
        for s in self.sections:
            if "offset" in s:
                offs.append(s["offset"])
                continue
            body += b"\0" * (-len(body) % 8)
            offs.append(len(body))
            body += s["data"]
        body += b"\0" * (-len(body) % 8)
        phoff = len(body)
        for (ptype, flags, off, vaddr, filesz, memsz) in self.phdrs:
            if self.cls == 64:
                body += struct.pack(self.e + "IIQQQQQQ", ptype, flags, off, vaddr, vaddr,
                                    filesz, memsz, 0x1000)
            else:
                body += struct.pack(self.e + "IIIIIIII", ptype, off, vaddr, vaddr, filesz,
                                    memsz, flags, 0x1000)
        shoff = len(body)
        body += b"\0" * shsz
        for i, s in enumerate(self.sections):
            size = s.get("size", len(s["data"]))
            if self.cls == 64:
                body += struct.pack(self.e + "IIQQQQIIQQ", name_off[i], s["type"], s["flags"],
                                    s["addr"], offs[i], size, 0, 0, 8 if s["type"] != SHT_NOTE else 4, 0)
            else:
                body += struct.pack(self.e + "IIIIIIIIII", name_off[i], s["type"], s["flags"],
                                    s["addr"], offs[i], size, 0, 0, 4, 0)
        ident = b"\x7fELF" + bytes([2 if self.cls == 64 else 1, 2 if self.big else 1, 1]) + b"\0" * 9
        h = dict(type=self.etype, machine=self.machine, phoff=phoff if self.phdrs else 0,
                 shoff=shoff, phnum=len(self.phdrs), shnum=len(self.sections) + 1,
                 shstrndx=len(self.sections))
        h.update(self.hdr)
        fmt = self.e + "HHI" + self.w * 3 + "IHHHHHH"
        body[:ehsz] = ident + struct.pack(fmt, h["type"], h["machine"], 1, 0x401000, h["phoff"],
                                          h["shoff"], 0, ehsz, phsz, h["phnum"], shsz,
                                          h["shnum"], h["shstrndx"])
        return bytes(body)


def standard(notes=None, cls=64, big=False, machine=EM_X86_64, args=b"-4@-20(%rbp) 8@%rax",
             **kw):
    """A plausible ELF: .text at 0x401000 (file 0x1000), .probes at 0x602000 (file 0x2000)."""
    e = Elf(cls, big, machine)
    text = b"\x90" * 0x100
    e.section(".text", SHT_PROGBITS, SHF_ALLOC | SHF_EXEC, 0x401000, text, offset=0x1000)
    e.section(".probes", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, 0x602000, b"\0" * 16, offset=0x2000)
    e.section(".stapsdt.base", SHT_PROGBITS, SHF_ALLOC, 0x400f00, b"\0", offset=0xf00)
    if notes is None:
        notes = e.note(0x401010, 0x400f00, 0x602000, b"prov", b"probe", args)
    e.section(".note.stapsdt", SHT_NOTE, 0, 0, notes, **kw)
    e.segment(PF_R | PF_X, 0, 0x400000, 0x1100)
    e.segment(PF_R | PF_W, 0x2000, 0x602000, 0x10)
    return e


def pad_to(data, off):
    return data + b"\0" * max(0, off - len(data))


def hostile_notes():
    cases = {}
    e = standard()
    cases["plausible"] = e
    e = standard()
    e.sections[-1]["data"] = struct.pack("<III", 0xffffffff, 24, 3) + b"stapsdt\0"
    cases["namesz-overflow"] = e
    e = standard()
    e.sections[-1]["data"] = struct.pack("<III", 8, 0xfffffff0, 3) + b"stapsdt\0" + b"\x10" * 24
    cases["descsz-overflow"] = e
    e = standard()
    e.sections[-1]["data"] = struct.pack("<III", 8, 8, 3) + b"stapsdt\0" + b"\x10" * 8
    cases["desc-short"] = e
    e = standard()
    desc = struct.pack("<QQQ", 0x401010, 0x400f00, 0) + b"prov\0probe"  # no NUL at the end
    e.sections[-1]["data"] = struct.pack("<III", 8, len(desc), 3) + b"stapsdt\0" + desc + \
        b"\0" * (-len(desc) % 4)
    cases["strings-unterminated"] = e
    cases["section-past-eof"] = standard(size=0x100000)
    cases["section-size-huge"] = standard(size=0x7ffffffffffffff0)
    cases["section-offset-huge"] = standard(offset=0xfffffffffffff000)
    cases["note-nobits"] = standard(type=SHT_NOBITS, size=0x40000000)
    e = standard()
    e.hdr.update(shnum=0xffff)
    cases["shnum-bogus"] = e
    e = standard()
    e.hdr.update(shstrndx=0xfffe)
    cases["shstrndx-bogus"] = e
    e = standard()
    e.hdr.update(phnum=0xffff)
    cases["phnum-bogus"] = e
    e = standard()
    e.segment(PF_R | PF_X, 0x800, 0x400800, 0x1000)  # overlaps the first exec segment
    e.segment(PF_R | PF_W, 0x0, 0x401000, 0x1000)  # data over the same addresses
    cases["segments-overlap"] = e
    e = standard(notes=Elf().note(0xfffffffffffffff0, 0x400f00, 0xfffffffffffffff8, b"p", b"n",
                                  b"8@%rdi"))
    e.segment(PF_R | PF_X, 0x0, 0xfffffffffffff000, 0x100, 0x2000)  # wraps past 2^64
    cases["segment-wraps"] = e
    e = standard(notes=Elf().note(0x401010, 0x1, 0x602000, b"p", b"n", b"8@%rdi"))
    e.sections[2]["addr"] = 0xffffffffffffff00  # prelink compensation overflows
    cases["prelink-overflow"] = e
    # PC and semaphore in the memsz tail of their segments: no file bytes back them
    e = standard(notes=Elf().note(0x480000, 0x400f00, 0x640000, b"p", b"bss", b"8@%rdi"))
    e.phdrs[0] = (PT_LOAD, PF_R | PF_X, 0, 0x400000, 0x1100, 0x100000)
    e.phdrs[1] = (PT_LOAD, PF_R | PF_W, 0x2000, 0x602000, 0x10, 0x100000)
    cases["pc-in-bss"] = e
    cases["sema-in-text"] = standard(notes=Elf().note(0x401010, 0x400f00, 0x401020, b"p", b"n",
                                                      b"4@%edi"))
    cases["pc-outside"] = standard(notes=Elf().note(0x10, 0x400f00, 0x12345678, b"p", b"n",
                                                    b"4@%edi"))
    many = " ".join(["8@%rdi"] * 40).encode()
    cases["args-too-many"] = standard(args=many)
    cases["args-long"] = standard(args=b"8@" + b"A" * 100000 + b"(%rip)")
    cases["args-garbage"] = standard(args=b"@@@ -@ 99999999999999999999@%rax 8@( 8@) -0@$ f@%")
    e = standard()
    e.sections[-1]["data"] = e.note(0x401010, 0, 0, b"stapsdt", b"x", b"", ntype=4) + \
        e.note(0x401010, 0, 0, b"p", b"n", b"", owner=b"stapsdtX") + \
        e.note(0x401010, 0x400f00, 0, b"", b"", b"")
    cases["note-foreign"] = e
    cases["elf32-be-s390"] = standard(cls=32, big=True, machine=EM_S390,
                                      notes=Elf(32, True).note(0x401010, 0x400f00, 0x602000,
                                                               b"p", b"n", b"4@%r2 -4@8(%r15)"))
    cases["elf32-arm"] = standard(cls=32, machine=EM_ARM,
                                  notes=Elf(32).note(0x401010, 0x400f00, 0, b"p", b"n",
                                                     b"4@[r7, #-8] 4@#5 -4@r0"))
    cases["machine-unknown"] = standard(machine=EM_SPARCV9)
    # an ELF64 header claiming ELFCLASS32 notes: word size and note layout disagree
    cases["class-mismatch"] = standard(notes=Elf(32).note(0x401010, 0x400f00, 0, b"p", b"n",
                                                          b"4@%edi"))
    out = {k: v.build() for k, v in cases.items()}
    out["empty"] = b""
    out["magic-only"] = b"\x7fELF"
    out["header-only"] = standard().build()[:64]
    out["truncated-shdrs"] = out["plausible"][:-40]
    return out


ARGS = {
    "x86-sib-extremes": (0, b"8@-9223372036854775808(%rax,%rbx,8) 8@9223372036854775807(,%rcx,1)"),
    "x86-bad-scale": (0, b"8@(%rax,%rbx,3) 8@(%rax,%rbx,0) 8@(%rax,%rbx,-8) 8@(%rax,%rbx,)"),
    "x86-rip-symbols": (0, b"8@a+b+c(%rip) 8@+(%rip) 8@-sym(%rip) 8@sym+(%rip) 8@+8(%rip)"),
    "x86-unbalanced": (0, b"8@((%rax) 8@(%rax 8@%rax) 8@(%) 8@() 8@$ 8@%"),
    "sizes": (0, b"0@%rax -0@%rax 3@%rax 99@%rax 16@%rax 24@(%rsp) -128@%rax 8f@%rax ff@%rax"),
    "numbers": (2, b"8@99999999999999999999999 8@-0x 8@0x 8@[x0, 18446744073709551616]"),
    "aarch64-brackets": (2, b"8@[x0 8@[x0, 8@[, x1] 8@[x0, x1, x2] 8@[[x0]] 8@]x0["),
    "riscv-paren": (3, b"8@(s0) 8@-(s0) 8@8(s0 8@8() 8@a99 8@x32"),
    "s390-index": (4, b"8@(%r1,%r2) 8@8(%r16) 8@8(%r1,) 8@%r99"),
    "arm-hash": (5, b"4@# 4@#- 4@[r7, #] 4@[r7, # 4@[r99] 4@r16"),
    "ppc-forms": (6, b"8@i 8@-i5 8@99 8@8(99) 8@5, 8@,6 8@%r 8@%r999"),
    "loongarch": (8, b"8@$ 8@$r 8@[$r3, ] 8@[$r99, 8] 8@$r-1"),
    "ppc32": (7, b"4@i-1 4@%r32 4@-0(1) 4@8(%r1,%r2) 8@r3"),
    "unknown-arch": (9, b"8@%rdi 4@x0"),
    "scratch-tiny": (0, b"8@a_very_long_symbol_name_that_does_not_fit_in_a_tiny_scratch_buffer(%rip)"),
}


def main():
    for sub in ("note", "args"):
        os.makedirs(os.path.join(HERE, sub), exist_ok=True)
    for name, data in hostile_notes().items():
        with open(os.path.join(HERE, "note", "hostile-" + name), "wb") as f:
            f.write(data)
    for name, (arch, text) in ARGS.items():
        scratch = 0 if name == "scratch-tiny" else 0xff
        with open(os.path.join(HERE, "args", "hostile-" + name), "wb") as f:
            f.write(bytes([arch, scratch]) + text)


if __name__ == "__main__":
    main()
