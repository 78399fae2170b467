# syntax=docker/dockerfile:1
# escape=\
ARG REGISTRY=quay.io
ARG GO_VERSION=1.22
FROM --platform=$BUILDPLATFORM ${REGISTRY}/acme/golang:${GO_VERSION} AS build
WORKDIR /src
COPY <<EOF /src/main.go
package main
FROM this-is-not-an-instruction
EOF
RUN go build -o /app \
    # comment inside a continuation
    ./...
FROM scratch AS empty
FROM Build AS test
RUN ["go", "test", "./..."]
FROM busybox:1.36
COPY --from=build /app /app
ENTRYPOINT ["/app"]
