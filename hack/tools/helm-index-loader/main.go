// Command helm-index-loader loads Helm repository indexes with Helm's own repo.LoadIndexFile.
//
//	helm-index-loader INDEX_FILE
//	    how long loading took and the peak RSS, as JSON: the peer of Packyard's parser in bench/.
//	helm-index-loader --read [--ordered] INDEX_FILE...
//	    what Helm reads from each file, as a JSON array in the shape of
//	    ../shared/fixtures/helm-index/expected.json (see its SOURCES.md): the oracle of the
//	    differential test. --ordered adds each chart's version strings in SortEntries order.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"helm.sh/helm/v3/pkg/repo"
)

func main() {
	args := os.Args[1:]
	if len(args) > 0 && args[0] == "--read" {
		ordered := len(args) > 1 && args[1] == "--ordered"
		if ordered {
			args = args[2:]
		} else {
			args = args[1:]
		}
		read(args, ordered)
		return
	}
	if len(args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: helm-index-loader INDEX_FILE | --read [--ordered] INDEX_FILE...")
		os.Exit(2)
	}
	bench(args[0])
}

func bench(path string) {
	var before, after syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	start := time.Now()
	index, err := repo.LoadIndexFile(path)
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

type chartReading struct {
	Count             int      `json:"count"`
	NewestStable      string   `json:"newestStable"`
	NewestStableError string   `json:"newestStableError,omitempty"`
	Newest            string   `json:"newest"`
	Distinct          []string `json:"distinct"`
	Ordered           []string `json:"ordered,omitempty"`
}

type fileReading struct {
	File     string                   `json:"file"`
	Error    string                   `json:"error,omitempty"`
	Charts   int                      `json:"charts"`
	Versions int                      `json:"versions"`
	Skipped  []string                 `json:"skipped,omitempty"`
	PerChart map[string]*chartReading `json:"perChart"`
}

// read does what expected.json's SOURCES.md describes: LoadIndexFile, SortEntries, Get(name, "").
func read(paths []string, ordered bool) {
	var logged bytes.Buffer
	log.SetFlags(0)
	log.SetOutput(&logged)
	out := []fileReading{}
	for _, path := range paths {
		logged.Reset()
		name := filepath.Base(path)
		r := fileReading{File: name, PerChart: map[string]*chartReading{}}
		index, err := repo.LoadIndexFile(path)
		if err != nil {
			r.Error = strings.ReplaceAll(err.Error(), path, name)
		} else {
			index.SortEntries()
			r.Charts = len(index.Entries)
			for chart, versions := range index.Entries {
				c := &chartReading{Count: len(versions), Distinct: []string{}}
				r.Versions += len(versions)
				seen := map[string]bool{}
				for _, v := range versions {
					if ordered {
						c.Ordered = append(c.Ordered, v.Version)
					}
					if !seen[v.Version] {
						seen[v.Version] = true
						c.Distinct = append(c.Distinct, v.Version)
					}
				}
				sort.Strings(c.Distinct)
				if len(versions) > 0 {
					c.Newest = versions[0].Version
				}
				if stable, err := index.Get(chart, ""); err == nil {
					c.NewestStable = stable.Version
				} else {
					c.NewestStableError = err.Error()
				}
				r.PerChart[chart] = c
			}
		}
		for _, line := range strings.Split(strings.TrimSpace(logged.String()), "\n") {
			if line != "" {
				r.Skipped = append(r.Skipped, strings.ReplaceAll(line, path, name))
			}
		}
		sort.Strings(r.Skipped)
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].File < out[j].File })
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
