/* A library for the dlopen tests. */
int lib_fn(int x)
{
	return x + 42;
}

int lib_other(int x)
{
	return x - 1;
}
