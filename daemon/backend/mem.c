/*
 * mem.c - the memory backend (`backend memory`, backend.h): the engine's
 * table is the firewall's table, so there is nothing to open, write or
 * wait for; its local changes come from the control socket (cmd/memfw.c,
 * churn.c), its new states from memstate.h.  Every op is the default.
 */
#include "backend.h"

const struct pfsd_backend_ops pfsd_backend_memory = {
    .name = "memory",
};
