//go:build tools

// Package tools pins helm.sh/helm/v3/cmd/helm so `go build` resolves it here.
package tools

import _ "helm.sh/helm/v3/cmd/helm"
