package features

import (
	"flag"
	"os"
	"testing"

	"github.com/cucumber/godog"
)

var (
	tags   = flag.String("godog.tags", "", "godog tag expression selecting scenarios (e.g. '@shutdown && ~@wip')")
	format = flag.String("godog.format", "progress", "godog formatters: pretty, progress, junit[:file], cucumber[:file]")
)

func TestFeatures(t *testing.T) {
	suite := godog.TestSuite{
		Name:                "upslab",
		ScenarioInitializer: InitializeScenario,
		Options: &godog.Options{
			Format:   *format,
			Paths:    []string{"."},
			Tags:     *tags,
			NoColors: true,
			Strict:   true,
			TestingT: t,
			Output:   os.Stdout,
		},
	}
	if suite.Run() != 0 {
		t.Fatal("some scenarios failed")
	}
}
