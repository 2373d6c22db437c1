/* Versions of the API these headers describe and of the package. */
#ifndef DAOS_VERSION_H
#define DAOS_VERSION_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DAOS_API_VERSION_MAJOR	2
#define DAOS_API_VERSION_MINOR	8
#define DAOS_API_VERSION_FIX	0

#define DAOS_VERSION_MAJOR	2
#define DAOS_VERSION_MINOR	8
#define DAOS_VERSION_FIX	0

/* A version packed into 32 bits, least significant byte first. */
typedef union {
	uint32_t	raw;
	struct {
		uint8_t	protocol;
		uint8_t	patch;
		uint8_t	minor;
		uint8_t	major;
	};
} daos_version_t;

#ifdef __cplusplus
}
#endif

#endif /* DAOS_VERSION_H */
