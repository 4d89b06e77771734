/*
 * Stand-in for Windows' bcryptprimitives.dll, for Wine 8.0 only.
 *
 * Rust's std (1.78 and later) imports ProcessPrng from bcryptprimitives.dll to
 * seed HashMap keys and fill random buffers. Wine 8.0 has no such DLL, so every
 * Rust EXE or DLL fails to load there (error 126, "module not found"). This DLL
 * exports ProcessPrng and fills the buffer from BCryptGenRandom, which Wine
 * implements. It is installed into the test Wine prefixes by
 * .ci/windows-toolchain and never shipped: real Windows has the genuine DLL.
 *
 * Built by .ci/windows-toolchain:
 *   x86_64-w64-mingw32-gcc -O2 -shared bcryptprimitives.c bcryptprimitives64.def -lbcrypt
 *   i686-w64-mingw32-gcc   -O2 -shared bcryptprimitives.c bcryptprimitives32.def -lbcrypt -Wl,--kill-at
 */
#include <windows.h>
#include <bcrypt.h>

/* BOOL WINAPI ProcessPrng(PBYTE pbData, SIZE_T cbData): documented to always
 * succeed. BCryptGenRandom takes a ULONG count, so larger requests are split. */
BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    const SIZE_T max_chunk = 0x40000000; /* 1 GiB: fits in a ULONG */

    while (len > 0) {
        ULONG chunk = (ULONG)(len < max_chunk ? len : max_chunk);
        NTSTATUS status = BCryptGenRandom(NULL, data, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG);
        if (!BCRYPT_SUCCESS(status))
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
