#!/bin/bash
# A foreign manager for the pods suite, written for it: a plain bash script
# that only knows what a Kubernetes pod offers. It reads its settings from a
# configMap volume, keeps state under the emptyDir-like /workdir, trusts the
# CA of a secret volume, reaches each Vault server by its pod DNS name and
# the active one by its service name, and uses kubectl with in-cluster
# credentials only. Every observation is one stdout line:
#   REPORT <what> <value...>
# and the last one is `REPORT done ok`.
set -u
unset KUBECONFIG # in-cluster config (token, ca.crt, KUBERNETES_SERVICE_HOST) only

CONFIG=/opt/yaml/manager.conf
WORKDIR=/workdir
report() { echo "REPORT $*"; }
trap 'report signal TERM; exit 0' TERM

while IFS='=' read -r key value; do
    case "$key" in
        FULLNAME) FULLNAME=$value ;;
        REPLICAS) REPLICAS=$value ;;
    esac
done < "$CONFIG"
NAMESPACE=$(cat /var/run/secrets/kubernetes.io/serviceaccount/namespace)
report config "fullname=$FULLNAME replicas=$REPLICAS namespace=$NAMESPACE"

echo "run $(date +%s)" >> "$WORKDIR/runs.log"
report workdir-runs "$(wc -l < "$WORKDIR/runs.log")"
report ca "$(head -1 "$CA_CERT")"
report hostname "$(hostname)"

for ((i = 0; i < REPLICAS; i++)); do
    ip=$(kubectl get pod "$FULLNAME-$i" -o jsonpath='{.status.podIP}')
    name="${ip//./-}.$NAMESPACE.pod.cluster.local"
    code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$CA_CERT" "https://$name:8200/v1/sys/health")
    report pod-health "$FULLNAME-$i $name $code"
done

active_url="https://$FULLNAME-active.$NAMESPACE.svc.cluster.local:8200/v1/sys/health"
report active "$(curl -s --cacert "$CA_CERT" "$active_url" | jq -c '{initialized, sealed, standby}')"

note="script-manager-$(uuidgen | cut -c1-8)"
kubectl create secret generic "$note" --from-literal=seen=yes > /dev/null && report created "$note"
report secrets "$(kubectl get secrets -o json | jq -r '[.items[].metadata.name] | join(",")')"
report done ok

sleep infinity &
wait
