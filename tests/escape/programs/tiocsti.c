/*
 * Pushes a command line into the terminal on fd 0 with TIOCSTI, through one system call ABI:
 *
 *   tiocsti native   the x86_64 (or aarch64) ioctl
 *   tiocsti ia32     the i386 ABI through `int $0x80` (ioctl is 54 there)
 *   tiocsti x32      the x32 ABI (__X32_SYSCALL_BIT | 514)
 *
 * A seccomp filter that compared syscall numbers without checking the architecture would miss
 * the last two. Prints `ABI INJECTED` or `ABI ERR errno`.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

/* What an attacker would type into the user's shell. */
static const char line[] = "echo INJECTED-BY-THE-SANDBOX\n";

static long inject_native(const char *c) { return syscall(SYS_ioctl, 0, TIOCSTI, c); }

#ifdef __x86_64__
static long inject_ia32(const char *c) {
    /* The i386 ABI takes 32-bit pointers: copy the byte below 4 GiB. */
    char *low = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT,
                     -1, 0);
    if (low == MAP_FAILED)
        return -1;
    *low = *c;
    long ret;
    __asm__ volatile("int $0x80" : "=a"(ret) : "a"(54), "b"(0), "c"(TIOCSTI), "d"(low) : "memory");
    if (ret < 0 && ret > -4096) {
        errno = -ret;
        return -1;
    }
    return ret;
}

static long inject_x32(const char *c) { return syscall(0x40000000 | 514, 0, TIOCSTI, c); }
#endif

int main(int argc, char **argv) {
    long (*inject)(const char *) = NULL;
    const char *abi = argc > 1 ? argv[1] : "";
    if (strcmp(abi, "native") == 0)
        inject = inject_native;
#ifdef __x86_64__
    if (strcmp(abi, "ia32") == 0)
        inject = inject_ia32;
    if (strcmp(abi, "x32") == 0)
        inject = inject_x32;
#endif
    if (!inject) {
        printf("%s UNSUPPORTED\n", abi);
        return 2;
    }
    for (const char *c = line; *c; c++) {
        if (inject(c) != 0) {
            printf("%s ERR %d %s\n", abi, errno, strerror(errno));
            return 1;
        }
    }
    printf("%s INJECTED\n", abi);
    return 0;
}
