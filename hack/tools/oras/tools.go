//go:build tools

// Package tools pins oras.land/oras/cmd/oras so `go build` resolves it here.
package tools

import _ "oras.land/oras/cmd/oras"
