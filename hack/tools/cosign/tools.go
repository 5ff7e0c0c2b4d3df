//go:build tools

// Package tools pins github.com/sigstore/cosign/v2/cmd/cosign so `go build` resolves it here.
package tools

import _ "github.com/sigstore/cosign/v2/cmd/cosign"
