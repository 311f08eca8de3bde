<?php
// Command-line options for the PHP examples: `--name value` or `--name=value` for the options that
// take a value, bare `--name` for switches, and `--help` (or -h) prints the usage on stdout and
// exits 0. Anything else (an unknown option, a missing value, a stray word) is named on stderr with
// the usage, and the script exits 2, as the faecie command does. PHP's getopt() would skip them.

/**
 * @param string[] $valued   options that take a value
 * @param string[] $switches options that take none
 * @return array<string, string|true> the options given, by name
 */
function parseOptions(array $argv, array $valued, array $switches, string $usage): array
{
    $options = [];
    $fail = function (string $why) use ($usage): void {
        fwrite(STDERR, basename($GLOBALS['argv'][0]) . ": $why\n\n$usage\n");
        exit(2);
    };
    for ($i = 1; $i < count($argv); $i++) {
        $arg = $argv[$i];
        if ($arg === '--help' || $arg === '-h') {
            echo "$usage\n";
            exit(0);
        }
        if (strncmp($arg, '--', 2) !== 0) $fail("unexpected argument \"$arg\"");
        $eq = strpos($arg, '=');
        $name = substr($arg, 2, $eq === false ? null : $eq - 2);
        if (in_array($name, $switches, true)) {
            if ($eq !== false) $fail("--$name takes no value");
            $options[$name] = true;
        } elseif (in_array($name, $valued, true)) {
            if ($eq !== false) {
                $options[$name] = substr($arg, $eq + 1);
            } elseif ($i + 1 < count($argv)) {
                $options[$name] = $argv[++$i];
            } else {
                $fail("--$name needs a value");
            }
        } else {
            $fail("unknown option --$name");
        }
    }
    return $options;
}
