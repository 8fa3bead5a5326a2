globalThis.esmOnlySideEffects = (globalThis.esmOnlySideEffects ?? 0) + 1;
