/*
 * cli_json.c — cJSON helpers shared by the commands (cli_json.h).
 */
#include <stdlib.h>

#include "cli_json.h"
#include "cli_text.h"

void cli_json_add_string(cJSON *obj, const char *key, const char *value, size_t max_len)
{
    if (!value) {
        cJSON_AddNullToObject(obj, key);
        return;
    }
    char *s = cli_safe_string(value, max_len);
    cJSON_AddStringToObject(obj, key, s ? s : "");
    free(s);
}

cJSON *cli_json_int_array(const int32_t *items, size_t count)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < count; i++)
        cJSON_AddItemToArray(a, cJSON_CreateNumber(items[i]));
    return a;
}
