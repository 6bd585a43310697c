/*
 * The bundled example: a word counter with a little of everything a tracer
 * should show -- a hash table, recursion (quicksort), two worker threads,
 * and an error path taken with longjmp.
 *
 *   make demo      (records it with dynftrace and prints the call graph)
 */
#include <ctype.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NR_BUCKETS 64

struct word {
	struct word *next;
	char text[24];
	int count;
};

struct table {
	struct word *bucket[NR_BUCKETS];
	pthread_mutex_t lock;
};

static const char *const texts[] = {
	"the quick brown fox jumps over the lazy dog and the dog sleeps",
	"a tracer shows which functions ran and how long each one took",
};

static jmp_buf on_error;

static unsigned int hash(const char *s)
{
	unsigned int h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h % NR_BUCKETS;
}

static void add_word(struct table *t, const char *w)
{
	unsigned int h = hash(w);
	struct word *p;

	if (strlen(w) >= sizeof(p->text))
		longjmp(on_error, 1);
	pthread_mutex_lock(&t->lock);
	for (p = t->bucket[h]; p; p = p->next)
		if (!strcmp(p->text, w))
			break;
	if (!p) {
		p = calloc(1, sizeof(*p));
		strcpy(p->text, w);
		p->next = t->bucket[h];
		t->bucket[h] = p;
	}
	p->count++;
	pthread_mutex_unlock(&t->lock);
}

static int next_word(const char **s, char *out, size_t len)
{
	size_t n = 0;

	while (**s && !isalpha((unsigned char)**s))
		(*s)++;
	while (isalpha((unsigned char)**s) && n + 1 < len)
		out[n++] = *(*s)++;
	out[n] = 0;
	return n > 0;
}

static void *count_text(void *arg)
{
	struct table *t = arg;
	char w[64];

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		const char *s = texts[i];

		while (next_word(&s, w, sizeof(w)))
			add_word(t, w);
	}
	return NULL;
}

static int by_count(const struct word *a, const struct word *b)
{
	return a->count != b->count ? b->count - a->count : strcmp(a->text, b->text);
}

static void sort_words(struct word **v, int lo, int hi)
{
	struct word *pivot, *tmp;
	int i = lo;

	if (lo >= hi)
		return;
	pivot = v[hi];
	for (int j = lo; j < hi; j++) {
		if (by_count(v[j], pivot) < 0) {
			tmp = v[i];
			v[i++] = v[j];
			v[j] = tmp;
		}
	}
	v[hi] = v[i];
	v[i] = pivot;
	sort_words(v, lo, i - 1);
	sort_words(v, i + 1, hi);
}

int main(void)
{
	static struct table t = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct word *v[256];
	pthread_t th[2];
	int n = 0;

	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, count_text, &t);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	if (!setjmp(on_error))
		add_word(&t, "an-overly-long-word-that-the-table-refuses");
	for (int h = 0; h < NR_BUCKETS; h++)
		for (struct word *p = t.bucket[h]; p && n < 256; p = p->next)
			v[n++] = p;
	sort_words(v, 0, n - 1);
	for (int i = 0; i < 3 && i < n; i++)
		printf("%-8s %d\n", v[i]->text, v[i]->count);
	return 0;
}
