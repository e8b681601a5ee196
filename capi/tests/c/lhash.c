/*
 * The typed hash table (LHASH_OF / DEFINE_LHASH_OF_EX over OPENSSL_LH_*): insert, replace,
 * retrieve, delete, walks (one deleting as it goes), flush. Prints what it sees.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/lhash.h>

typedef struct entry_st {
    const char *key;
    int value;
} ENTRY;

DEFINE_LHASH_OF_EX(ENTRY);

static LHASH_OF(ENTRY) *table;

static unsigned long entry_hash(const ENTRY *e)
{
    return OPENSSL_LH_strhash(e->key);
}

static int entry_cmp(const ENTRY *a, const ENTRY *b)
{
    return strcmp(a->key, b->key);
}

static int sum;

static void add_value(ENTRY *e)
{
    sum += e->value;
}

static void add_scaled(ENTRY *e, void *arg)
{
    sum += e->value * *(int *)arg;
}

static void drop_odd(ENTRY *e)
{
    if (e->value % 2 != 0)
        lh_ENTRY_delete(table, e);
}

int main(void)
{
    ENTRY items[5] = {{"one", 1}, {"two", 2}, {"three", 3}, {"four", 4}, {"five", 5}};
    ENTRY other_two = {"two", 20}, probe = {"three", 0}, missing = {"six", 0};
    ENTRY *got;
    int i, scale = 10;

    table = lh_ENTRY_new(entry_hash, entry_cmp);
    for (i = 0; i < 5; i++)
        printf("%s", lh_ENTRY_insert(table, &items[i]) == NULL ? "+" : "?");
    printf(" %lu items\n", lh_ENTRY_num_items(table));
    got = lh_ENTRY_insert(table, &other_two);
    printf("replaced two: old value %d, now %lu items\n", got->value,
           lh_ENTRY_num_items(table));
    got = lh_ENTRY_retrieve(table, &probe);
    printf("retrieve three: %d, six: %s\n", got->value,
           lh_ENTRY_retrieve(table, &missing) == NULL ? "none" : "?");
    lh_ENTRY_doall(table, add_value);
    printf("sum %d\n", sum);
    sum = 0;
    lh_ENTRY_doall_arg(table, add_scaled, &scale);
    printf("scaled sum %d\n", sum);
    lh_ENTRY_doall(table, drop_odd);
    printf("after dropping odd values: %lu items, error %d\n", lh_ENTRY_num_items(table),
           lh_ENTRY_error(table));
    got = lh_ENTRY_delete(table, &other_two);
    printf("delete two gives %d, delete again gives %s\n", got->value,
           lh_ENTRY_delete(table, &other_two) == NULL ? "none" : "?");
    lh_ENTRY_flush(table);
    printf("flushed: %lu items\n", lh_ENTRY_num_items(table));
    lh_ENTRY_free(table);
    return 0;
}
