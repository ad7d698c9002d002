#!/bin/sh
# Writes $QMQ_HOME/rdqm.ini for a pod of the qmq StatefulSet from the pod names, which are
# stable (<statefulset>-0 .. -N-1): one Node stanza per pod, named after it (Name must match
# the host name, which is the pod name) with its stable DNS name in the headless service as
# the replication address. Run by the init container of statefulset.yaml; every pod writes the
# same file. Environment: POD_NAME, POD_NAMESPACE, SERVICE_NAME, REPLICAS, QMQ_HOME,
# CLUSTER_DOMAIN (default cluster.local).
set -eu
base="${POD_NAME%-*}"
domain="${CLUSTER_DOMAIN:-cluster.local}"
mkdir -p "$QMQ_HOME"
tmp="$QMQ_HOME/rdqm.ini.tmp"
: > "$tmp"
i=0
while [ "$i" -lt "$REPLICAS" ]; do
  name="$base-$i"
  printf 'Node:\n  Name=%s\n  HA_Replication=%s.%s.%s.svc.%s\n' \
    "$name" "$name" "$SERVICE_NAME" "$POD_NAMESPACE" "$domain" >> "$tmp"
  i=$((i + 1))
done
mv "$tmp" "$QMQ_HOME/rdqm.ini"
echo "rdqm.ini for $POD_NAME written with $REPLICAS nodes"
