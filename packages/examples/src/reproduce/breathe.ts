/**
 * The reproductions train for minutes in synchronous tfjs calls; a signal handler (the CLI's Ctrl-C)
 * or a timer only runs when the event loop gets a turn. `breather()` returns a function to await
 * between steps: it hands the loop a turn (`setImmediate`, after the poll phase where signals are
 * delivered) once `ms` of work have passed since the last one, and costs nothing otherwise. It
 * touches no numbers: training is the same with or without it.
 */
export const breather = (ms = 50): () => Promise<void> => {
  let last = performance.now()
  return async () => {
    if (performance.now() - last < ms) return
    await new Promise<void>((resolve) => setImmediate(resolve))
    last = performance.now()
  }
}
