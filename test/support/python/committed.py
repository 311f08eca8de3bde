# Confluent's Kafka client for Python (confluent-kafka): a group's committed offsets of one topic,
# read back with the admin client (OffsetFetch), printed as one JSON line {"PARTITION": offset, ...}
# (-1001, librdkafka's "invalid offset", for a partition with nothing committed).
import argparse
import json
import sys

from confluent_kafka import ConsumerGroupTopicPartitions, TopicPartition
from confluent_kafka.admin import AdminClient

REQUEST_TIMEOUT_S = 60


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument('--bootstrap', required=True)
    parser.add_argument('--topic', required=True)
    parser.add_argument('--group', required=True)
    parser.add_argument('--partitions', type=int, required=True)
    args = parser.parse_args()

    admin = AdminClient({'bootstrap.servers': args.bootstrap})
    asked = ConsumerGroupTopicPartitions(args.group, [TopicPartition(args.topic, p) for p in range(args.partitions)])
    futures = admin.list_consumer_group_offsets([asked], request_timeout=REQUEST_TIMEOUT_S)
    result = futures[args.group].result(timeout=REQUEST_TIMEOUT_S)
    offsets = {}
    for tp in result.topic_partitions:
        if tp.error is not None:
            print(f'partition {tp.partition}: {tp.error}', file=sys.stderr, flush=True)
            return 1
        offsets[str(tp.partition)] = tp.offset
    print(json.dumps(offsets), flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
