/*
 * io_uring_read PATH: opens PATH and reads it through io_uring (raw system calls, no liburing),
 * so that the open is done by the kernel on the ring's behalf rather than by openat(2).
 *
 * Prints `SETUP-FAILED errno` when io_uring is unavailable, `OPEN-DENIED errno` when the open
 * was refused, or `READ n: CONTENT`.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static int ring;
static struct io_uring_params params;
static unsigned *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_mask;
static struct io_uring_sqe *sqes;
static struct io_uring_cqe *cqes;

/* Maps the rings of a new io_uring; returns -1 (errno set) when there is none. */
static int setup(void) {
    ring = syscall(__NR_io_uring_setup, 4, &params);
    if (ring < 0)
        return -1;
    char *sq = mmap(0, params.sq_off.array + params.sq_entries * sizeof(unsigned),
                    PROT_READ | PROT_WRITE, MAP_SHARED, ring, IORING_OFF_SQ_RING);
    char *cq = mmap(0, params.cq_off.cqes + params.cq_entries * sizeof(struct io_uring_cqe),
                    PROT_READ | PROT_WRITE, MAP_SHARED, ring, IORING_OFF_CQ_RING);
    sqes = mmap(0, params.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
                MAP_SHARED, ring, IORING_OFF_SQES);
    if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED)
        return -1;
    sq_tail = (unsigned *)(sq + params.sq_off.tail);
    sq_mask = (unsigned *)(sq + params.sq_off.ring_mask);
    sq_array = (unsigned *)(sq + params.sq_off.array);
    cq_head = (unsigned *)(cq + params.cq_off.head);
    cq_mask = (unsigned *)(cq + params.cq_off.ring_mask);
    cqes = (struct io_uring_cqe *)(cq + params.cq_off.cqes);
    return 0;
}

/* Submits one request, waits for it, and returns its result (a negative errno on failure). */
static int submit(const struct io_uring_sqe *sqe) {
    unsigned tail = *sq_tail, slot = tail & *sq_mask;
    sqes[slot] = *sqe;
    sq_array[slot] = slot;
    __atomic_store_n(sq_tail, tail + 1, __ATOMIC_RELEASE);
    if (syscall(__NR_io_uring_enter, ring, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0)
        return -errno;
    unsigned head = __atomic_load_n(cq_head, __ATOMIC_ACQUIRE);
    int res = cqes[head & *cq_mask].res;
    __atomic_store_n(cq_head, head + 1, __ATOMIC_RELEASE);
    return res;
}

int main(int argc, char **argv) {
    if (argc != 2)
        return 2;
    if (setup() != 0) {
        printf("SETUP-FAILED %d\n", errno);
        return 3;
    }
    struct io_uring_sqe sqe;
    memset(&sqe, 0, sizeof sqe);
    sqe.opcode = IORING_OP_OPENAT;
    sqe.fd = AT_FDCWD;
    sqe.addr = (unsigned long)argv[1];
    sqe.open_flags = O_RDONLY;
    int fd = submit(&sqe);
    if (fd < 0) {
        printf("OPEN-DENIED %d\n", -fd);
        return 1;
    }
    static char buf[4096];
    memset(&sqe, 0, sizeof sqe);
    sqe.opcode = IORING_OP_READ;
    sqe.fd = fd;
    sqe.addr = (unsigned long)buf;
    sqe.len = sizeof buf - 1;
    int n = submit(&sqe);
    printf("READ %d: %s\n", n, n > 0 ? buf : "");
    return 0;
}
