# Confluent's Kafka client for Python (confluent-kafka, librdkafka inside the wheel) as an idempotent
# producer (acks=all, enable.idempotence) for the Kafka-listener tests: sends COUNT records named
# PREFIX-i, record i to partition i mod PARTITIONS, then prints one JSON line per delivery report
# ({"partition", "offset", "value", "error"}) and exits 1 unless every record was delivered.
import argparse
import json
import sys

from confluent_kafka import Producer

FLUSH_TIMEOUT_S = 120


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument('--bootstrap', required=True)
    parser.add_argument('--topic', required=True)
    parser.add_argument('--count', type=int, required=True)
    parser.add_argument('--partitions', type=int, default=1)
    parser.add_argument('--prefix', default='py')
    args = parser.parse_args()

    producer = Producer({
        'bootstrap.servers': args.bootstrap,
        'acks': 'all',
        'enable.idempotence': True,
        'linger.ms': 5,
        'message.timeout.ms': 90_000,
    })
    reports = []

    def delivered(err, msg):
        reports.append({
            'partition': msg.partition(),
            'offset': msg.offset(),
            'value': msg.value().decode(),
            'error': None if err is None else str(err),
        })

    for i in range(args.count):
        producer.produce(args.topic, value=f'{args.prefix}-{i}'.encode(), partition=i % args.partitions, on_delivery=delivered)
        producer.poll(0)
    left = producer.flush(FLUSH_TIMEOUT_S)
    for report in reports:
        print(json.dumps(report), flush=True)
    ok = left == 0 and len(reports) == args.count and all(r['error'] is None for r in reports)
    if not ok:
        print(f'{left} records still queued, {len(reports)} reports of {args.count}', file=sys.stderr, flush=True)
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
