// The Go half of benches/peers/porcupine.sh: Porcupine's check timed on its
// own test data. Porcupine is not vendored: porcupine.sh extracts it (from the
// mirror's git directory, or copies $PORCUPINE_SRC) into the directory the
// replace directive names, under the root's target/.
module seedloop.local/peers/porcupine

go 1.19

require github.com/anishathalye/porcupine v0.0.0

replace github.com/anishathalye/porcupine => ../../../target/peers/porcupine-src
