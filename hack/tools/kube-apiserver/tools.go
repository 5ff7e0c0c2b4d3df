//go:build tools

// Package tools pins kube-apiserver (for the test control plane) and kubectl (for the deploy/ tests
// and people, at the same version as the server) so `go build` resolves them here.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
