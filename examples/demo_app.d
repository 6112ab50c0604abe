/* The probes of demo_app: `dtrace -h -s demo_app.d -o demo_app_probes.h` writes the header. */
provider demo {
	probe request(int, char *, unsigned char, short, unsigned long long, unsigned int);
	probe tick(unsigned int, long long);
};
