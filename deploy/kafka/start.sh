#!/usr/bin/env bash
# A compose broker's entrypoint: SASL/SCRAM over TLS needs the admin's SCRAM credential in the
# cluster's metadata before the first start (the brokers sign in to each other as admin, and
# `desk kafka-setup` creates everyone else as admin). The apache/kafka image formats storage
# without credentials, so this formats it first, once (an already formatted directory is
# left as it is), writes the admin's JAAS file (the image drops environment values that hold
# an `=`, as a JAAS line does), and then runs the image's own start: "$@".
set -euo pipefail
: "${DESK_KAFKA_ADMIN_PASSWORD:?set KAFKA_ADMIN_PASSWORD, see .env.example}"
: "${CLUSTER_ID:?a cluster id, the same on every broker}"
KAFKA_HOME=${KAFKA_HOME:-/opt/kafka}
work=$(mktemp -d)

cat > "$work/format.properties" <<PROPERTIES
process.roles=${KAFKA_PROCESS_ROLES}
node.id=${KAFKA_NODE_ID}
controller.quorum.voters=${KAFKA_CONTROLLER_QUORUM_VOTERS}
controller.listener.names=${KAFKA_CONTROLLER_LISTENER_NAMES}
listeners=${KAFKA_LISTENERS}
listener.security.protocol.map=${KAFKA_LISTENER_SECURITY_PROTOCOL_MAP}
inter.broker.listener.name=${KAFKA_INTER_BROKER_LISTENER_NAME}
log.dirs=${KAFKA_LOG_DIRS}
PROPERTIES
"$KAFKA_HOME/bin/kafka-storage.sh" format --ignore-formatted --cluster-id "$CLUSTER_ID" \
  --config "$work/format.properties" \
  --add-scram "SCRAM-SHA-512=[name=admin,password=${DESK_KAFKA_ADMIN_PASSWORD}]"

umask 077
cat > "$work/jaas.conf" <<JAAS
KafkaServer {
  org.apache.kafka.common.security.scram.ScramLoginModule required
  username="admin"
  password="${DESK_KAFKA_ADMIN_PASSWORD}";
};
JAAS
export KAFKA_OPTS="${KAFKA_OPTS:-} -Djava.security.auth.login.config=$work/jaas.conf"
unset DESK_KAFKA_ADMIN_PASSWORD
exec "$@"
