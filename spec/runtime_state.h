/* runtime-spec state.json and the features document. */
#ifndef KEEL_RUNTIME_STATE_H
#define KEEL_RUNTIME_STATE_H

#endif
