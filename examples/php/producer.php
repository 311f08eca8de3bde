<?php
// faecie producer in plain PHP (ext-curl, ext-json): sends each line of standard input as one
// record to a topic through the broker's HTTP API (docs/http-api.md), creating the topic first if
// it does not exist, and prints where each record went.
//
//   printf 'hello\nworld\n' | php producer.php --broker http://127.0.0.1:8092 --topic lines [--key K] [--partitions 1]
//
// Lines are sent in requests of at most 500 records; the exit code is 1 on any error.

require __DIR__ . '/options.php';

const USAGE = <<<'TEXT'
Usage: php producer.php [--broker http://HOST:PORT] [--topic T] [--key K] [--partitions N] < lines

Sends each line of standard input as one record to topic T (default "lines"), creating the topic
with N partitions (default 1) first if it does not exist, and prints where each record went.
  --broker URL       the broker's HTTP address (default http://127.0.0.1:8092)
  --key K            the key of every record (default none)
  --help             this text
TEXT;

$options = parseOptions($argv, ['broker', 'topic', 'key', 'partitions'], [], USAGE);
$broker = rtrim($options['broker'] ?? 'http://127.0.0.1:8092', '/');
$topic = $options['topic'] ?? 'lines';
$key = $options['key'] ?? null;
$partitions = (int)($options['partitions'] ?? 1);
const BATCH_RECORDS = 500;

/** One JSON request; returns [HTTP status, decoded body]. Exits on a transport error. */
function request(string $method, string $url, ?array $body = null): array
{
    $curl = curl_init($url);
    curl_setopt_array($curl, [
        CURLOPT_CUSTOMREQUEST => $method,
        CURLOPT_RETURNTRANSFER => true,
        CURLOPT_TIMEOUT => 60,
        CURLOPT_HTTPHEADER => ['Content-Type: application/json', 'Accept: application/json'],
    ]);
    if ($body !== null) {
        curl_setopt($curl, CURLOPT_POSTFIELDS, json_encode($body, JSON_UNESCAPED_UNICODE | JSON_THROW_ON_ERROR));
    }
    $text = curl_exec($curl);
    if ($text === false) {
        fwrite(STDERR, "request to $url failed: " . curl_error($curl) . "\n");
        exit(1);
    }
    $status = curl_getinfo($curl, CURLINFO_RESPONSE_CODE);
    curl_close($curl);
    return [$status, json_decode($text, true)];
}

function fail(string $what, array $body): void
{
    $error = $body['error'] ?? ['name' => '?', 'code' => '?', 'message' => json_encode($body)];
    fwrite(STDERR, "$what: {$error['name']} ({$error['code']}): {$error['message']}\n");
    exit(1);
}

// Create the topic; 409 (TOPIC_ALREADY_EXISTS) is fine.
[$status, $body] = request('POST', "$broker/v1/topics", ['name' => $topic, 'partitions' => $partitions]);
if ($status !== 201 && $status !== 409) {
    fail("creating topic $topic", $body);
}

function send(string $broker, string $topic, array $records): void
{
    [$status, $body] = request('POST', "$broker/v1/topics/" . rawurlencode($topic) . '/records', [
        'records' => $records,
        'valueEncoding' => 'string',
    ]);
    if ($status !== 200) {
        fail('producing', $body);
    }
    foreach ($body['records'] as $i => $result) {
        echo "{$records[$i]['value']} -> partition {$result['partition']} offset {$result['offset']}\n";
    }
}

$batch = [];
while (($line = fgets(STDIN)) !== false) {
    $record = ['value' => rtrim($line, "\r\n")];
    if ($key !== null) {
        $record['key'] = $key;
    }
    $batch[] = $record;
    if (count($batch) >= BATCH_RECORDS) {
        send($broker, $topic, $batch);
        $batch = [];
    }
}
if (count($batch) > 0) {
    send($broker, $topic, $batch);
}
