//go:build tools

// Package tools pins github.com/distribution/distribution/v3/cmd/registry so `go build` resolves it here.
package tools

import _ "github.com/distribution/distribution/v3/cmd/registry"
