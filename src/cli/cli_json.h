/*
 * cli_json.h — the small cJSON helpers the commands' --json output shares.
 */
#ifndef ETPU_CLI_JSON_H
#define ETPU_CLI_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

/* obj[key] = value made safe to print (cli_safe_string: control characters
 * and invalid UTF-8 become '?', cut to max_len bytes + "..."); null when
 * value is NULL. */
void cli_json_add_string(cJSON *obj, const char *key, const char *value, size_t max_len);

/* A JSON array of the numbers items[0..count) (tensor and op indices,
 * shapes). */
cJSON *cli_json_int_array(const int32_t *items, size_t count);

#endif
