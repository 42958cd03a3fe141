#!/usr/bin/env python3
"""Fails unless each .NET assembly named is ReadyToRun (precompiled): its CLI header's ManagedNativeHeader points at a
READYTORUN_HEADER ('RTR'). scripts/test.sh runs it on the CLI published as docs/getting-started.md installs it, since a
plain publish that silently went back to JIT made every cronium run ~0.2 s slower and no test would notice.

    scripts/check-readytorun.py FILE.dll...
"""
import struct
import sys

READYTORUN_SIGNATURE = 0x00525452  # 'RTR\0'


def rva_to_offset(sections, rva):
    for virtual_address, size, raw_pointer in sections:
        if virtual_address <= rva < virtual_address + size:
            return rva - virtual_address + raw_pointer
    return None


def is_ready_to_run(path):
    data = open(path, "rb").read()
    if data[:2] != b"MZ":
        return False, "not a PE file"
    pe = struct.unpack_from("<I", data, 0x3C)[0]
    if data[pe:pe + 4] != b"PE\0\0":
        return False, "not a PE file"
    section_count = struct.unpack_from("<H", data, pe + 6)[0]
    optional_size = struct.unpack_from("<H", data, pe + 20)[0]
    optional = pe + 24
    magic = struct.unpack_from("<H", data, optional)[0]
    directories = optional + (96 if magic == 0x10B else 112)
    cli_rva = struct.unpack_from("<I", data, directories + 14 * 8)[0]
    sections = []
    for i in range(section_count):
        entry = optional + optional_size + i * 40
        size, virtual_address, raw_size, raw_pointer = struct.unpack_from("<IIII", data, entry + 8)
        sections.append((virtual_address, max(size, raw_size), raw_pointer))
    cli = rva_to_offset(sections, cli_rva) if cli_rva else None
    if cli is None:
        return False, "no CLI header (not a .NET assembly)"
    native_rva = struct.unpack_from("<I", data, cli + 64)[0]
    native = rva_to_offset(sections, native_rva) if native_rva else None
    if native is None:
        return False, "IL only: no ManagedNativeHeader"
    signature = struct.unpack_from("<I", data, native)[0]
    return signature == READYTORUN_SIGNATURE, f"ManagedNativeHeader signature {signature:#010x}"


def main(paths):
    failed = False
    for path in paths:
        ok, why = is_ready_to_run(path)
        print(f"{'ReadyToRun' if ok else 'NOT ReadyToRun'}: {path}" + ("" if ok else f" ({why})"))
        failed |= not ok
    return 1 if failed or not paths else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
