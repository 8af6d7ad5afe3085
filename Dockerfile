# The fleetpatch worker. Build: docker build -t fleetpatch-worker .
FROM golang:1.26.8-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -o /out/worker ./worker

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/worker /worker
COPY deployments/examples/policy /policy
ENV FLEETPATCH_POLICY=/policy FLEETPATCH_DATA=/data FLEETPATCH_METRICS=:9090
EXPOSE 9090
USER nonroot
ENTRYPOINT ["/worker"]
