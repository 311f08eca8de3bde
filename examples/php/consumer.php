<?php
// faecie consumer in plain PHP (ext-curl, ext-json): reads a partition from an offset through the
// broker's HTTP API (docs/http-api.md) with long polls, printing each record's value on its own
// line (offset and key too with --verbose). It keeps its place with `nextOffset` from each answer.
//
//   php consumer.php --broker http://127.0.0.1:8092 --topic lines [--partition 0] [--offset 0]
//                    [--count N] [--verbose]
//
// With --count it stops after N records (exit 1 if a poll of 10 s brings nothing before that);
// without, it follows the partition until interrupted.

require __DIR__ . '/options.php';

const USAGE = <<<'TEXT'
Usage: php consumer.php [--broker http://HOST:PORT] [--topic T] [--partition P] [--offset O]
                        [--count N] [--verbose]

Prints the records of partition P (default 0) of topic T (default "lines") from offset O (default
earliest), one value per line, following the partition until interrupted.
  --broker URL       the broker's HTTP address (default http://127.0.0.1:8092)
  --count N          stop after N records (exit 1 if a poll of 10 s brings nothing before that)
  --verbose          print each record's offset and key too
  --help             this text
TEXT;

$options = parseOptions($argv, ['broker', 'topic', 'partition', 'offset', 'count'], ['verbose'], USAGE);
$broker = rtrim($options['broker'] ?? 'http://127.0.0.1:8092', '/');
$topic = $options['topic'] ?? 'lines';
$partition = (int)($options['partition'] ?? 0);
$offset = $options['offset'] ?? 'earliest';
$count = isset($options['count']) ? (int)$options['count'] : null;
$verbose = isset($options['verbose']);
const MAX_WAIT_MS = 10000;

function get(string $url): array
{
    $curl = curl_init($url);
    curl_setopt_array($curl, [
        CURLOPT_RETURNTRANSFER => true,
        CURLOPT_TIMEOUT => 60,
        CURLOPT_HTTPHEADER => ['Accept: application/json'],
    ]);
    $text = curl_exec($curl);
    if ($text === false) {
        fwrite(STDERR, "request to $url failed: " . curl_error($curl) . "\n");
        exit(1);
    }
    $status = curl_getinfo($curl, CURLINFO_RESPONSE_CODE);
    curl_close($curl);
    return [$status, json_decode($text, true)];
}

$seen = 0;
while ($count === null || $seen < $count) {
    $query = http_build_query([
        'offset' => $offset,
        'maxWaitMs' => MAX_WAIT_MS,
        'maxRecords' => $count === null ? 500 : min(500, $count - $seen),
        'encoding' => 'string',
    ]);
    [$status, $body] = get("$broker/v1/topics/" . rawurlencode($topic) . "/partitions/$partition/records?$query");
    if ($status !== 200) {
        $error = $body['error'] ?? ['name' => '?', 'code' => '?', 'message' => json_encode($body)];
        fwrite(STDERR, "reading: {$error['name']} ({$error['code']}): {$error['message']}\n");
        exit(1);
    }
    if (count($body['records']) === 0 && $count !== null) {
        fwrite(STDERR, "no record within " . MAX_WAIT_MS . " ms after $seen of $count\n");
        exit(1);
    }
    foreach ($body['records'] as $record) {
        echo $verbose ? "{$record['offset']}\t{$record['key']}\t{$record['value']}\n" : "{$record['value']}\n";
        $seen++;
    }
    $offset = $body['nextOffset'];
}
