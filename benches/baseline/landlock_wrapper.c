/* The smallest useful Landlock wrapper, as a floor for llrun's start-up: one ruleset handling
 * every file-system right of ABI 1, one rule (read and execute beneath /), no_new_privs,
 * restrict, exec. No profile, no errors worth the name. Built and timed by benches/startup.rs. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/landlock.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv) {
    struct landlock_ruleset_attr ruleset = {.handled_access_fs = (1ULL << 13) - 1};
    int fd = syscall(SYS_landlock_create_ruleset, &ruleset, sizeof ruleset, 0);
    struct landlock_path_beneath_attr rule = {
        .allowed_access = LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE |
                          LANDLOCK_ACCESS_FS_READ_DIR,
        .parent_fd = open("/", O_PATH | O_CLOEXEC),
    };
    if (argc < 2 || fd < 0 ||
        syscall(SYS_landlock_add_rule, fd, LANDLOCK_RULE_PATH_BENEATH, &rule, 0) ||
        prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || syscall(SYS_landlock_restrict_self, fd, 0))
        return 125;
    execv(argv[1], argv + 1);
    return 127;
}
