package upssched

import (
	"flag"
	"testing"

	"github.com/upslab/upslab/internal/transcript"
)

var update = flag.Bool("update", false, "rewrite the expected output of testdata/*.txt")

// block is one command of a transcript (see package transcript).
type block = transcript.Block

// runTranscripts runs every testdata/*.txt; newEnv makes the handler of
// one file, which returns the output lines of one block.
func runTranscripts(t *testing.T, newEnv func(t *testing.T) func(b block) []string) {
	transcript.Run(t, "testdata/*.txt", *update, newEnv)
}
