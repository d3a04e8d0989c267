// prctl is variadic, which Swift cannot call; this wraps the one use we need.
#include <signal.h>
#include <sys/prctl.h>

/// Ask the kernel to send `sig` to this process when its parent dies (Linux).
static inline int nr_set_parent_death_signal(int sig) { return prctl(PR_SET_PDEATHSIG, sig); }
