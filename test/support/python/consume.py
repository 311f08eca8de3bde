# Confluent's Kafka client for Python (confluent-kafka) as one member of a consumer group for the
# Kafka-listener tests. It prints JSON lines on stdout: {"event": "assigned"|"revoked", "partitions"}
# from the rebalance callbacks, {"event": "record", "partition", "offset", "value"} for each record,
# after committing its offset synchronously (no auto-commit: what was printed is committed), and
# {"event": "error", ...} for errors the client reports. It leaves the group (close) and exits 0
# when its stdin closes or says "stop", or on SIGTERM.
import argparse
import json
import signal
import sys
import threading

from confluent_kafka import Consumer, KafkaException

POLL_TIMEOUT_S = 0.2


def emit(**fields) -> None:
    print(json.dumps(fields), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument('--bootstrap', required=True)
    parser.add_argument('--topic', required=True)
    parser.add_argument('--group', required=True)
    args = parser.parse_args()

    stopping = threading.Event()

    def watch_stdin() -> None:
        for line in sys.stdin:
            if line.strip() == 'stop':
                break
        stopping.set()

    threading.Thread(target=watch_stdin, daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())

    consumer = Consumer({
        'bootstrap.servers': args.bootstrap,
        'group.id': args.group,
        'auto.offset.reset': 'earliest',
        'enable.auto.commit': False,
        'session.timeout.ms': 10_000,
        'heartbeat.interval.ms': 500,
        'error_cb': lambda err: emit(event='error', error=str(err)),
    })

    def assigned(_consumer, partitions):
        emit(event='assigned', partitions=sorted(p.partition for p in partitions))

    def revoked(_consumer, partitions):
        emit(event='revoked', partitions=sorted(p.partition for p in partitions))

    consumer.subscribe([args.topic], on_assign=assigned, on_revoke=revoked)
    try:
        while not stopping.is_set():
            msg = consumer.poll(POLL_TIMEOUT_S)
            if msg is None:
                continue
            if msg.error() is not None:
                emit(event='error', error=str(msg.error()))
                continue
            try:
                consumer.commit(message=msg, asynchronous=False)
            except KafkaException as err:
                emit(event='error', error=f'commit: {err}')
            emit(event='record', partition=msg.partition(), offset=msg.offset(), value=msg.value().decode())
    finally:
        consumer.close()
    emit(event='closed')
    return 0


if __name__ == '__main__':
    sys.exit(main())
