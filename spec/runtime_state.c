/* runtime-spec state.json and the features document. */
#include "config.h"
#include "runtime_state.h"
