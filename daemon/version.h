/* version.h - pfsyncd's version (pfsyncctl's ctl/client.h keeps step). */
#ifndef PFSYNCD_VERSION_H
#define PFSYNCD_VERSION_H

#define PFSD_VERSION "0.1"

#endif
