// Preloaded (node --require) into the server child of guest-upload-memory.test.ts only, with --expose-gc.
// V8 frees dead ArrayBuffers (socket reads, upload part copies) once their external memory passes a soft
// limit of tens of MiB, so without this the resident set of a streaming upload swings by as much as the
// file the test must tell it from. Collecting every 100 ms leaves what is live: the streaming's own parts.
if (typeof global.gc !== 'function') throw new Error('collect-garbage-often.cjs needs node --expose-gc');
setInterval(() => global.gc(), 100).unref();
