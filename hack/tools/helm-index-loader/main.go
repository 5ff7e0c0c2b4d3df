// Command helm-index-loader loads a Helm repository index with Helm's own repo.LoadIndexFile and
// prints how long it took and the peak RSS, as JSON: the peer of Packyard's parser in bench/.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"syscall"
	"time"

	"helm.sh/helm/v3/pkg/repo"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: helm-index-loader INDEX_FILE")
		os.Exit(2)
	}
	var before, after syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	start := time.Now()
	index, err := repo.LoadIndexFile(os.Args[1])
	elapsed := time.Since(start)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	versions := 0
	for _, chartVersions := range index.Entries {
		versions += len(chartVersions)
	}
	_ = json.NewEncoder(os.Stdout).Encode(map[string]any{
		"ms":           float64(elapsed.Microseconds()) / 1000,
		"rssBeforeKiB": before.Maxrss,
		"peakRssKiB":   after.Maxrss,
		"charts":       len(index.Entries),
		"versions":     versions,
	})
}
