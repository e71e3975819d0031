// Preload (`node --import`) for the CLI's banner test: takes the wasm backend out of tfjs's registry
// before the CLI starts, as on a machine where tfjs-backend-wasm cannot load, so the CLI falls back
// to the cpu backend — the one that prints tfjs's "install tfjs-node" banner on first use.
import * as tf from "@tensorflow/tfjs"
import "@tensorflow/tfjs-backend-wasm"

tf.removeBackend("wasm")
