ARG A=x
ARG B=${A:-y}
FROM quay.io/a/${B}:${C:+t}1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef AS s
FROM s
