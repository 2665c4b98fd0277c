/*
 * keyfiles.c - a DKIM key pair as the two files an admin keeps and
 * publishes (see auth/dkim.h): the private key and the record in zone form.
 * Both are staged before either is put in place, so the record can be shown
 * first and a failure of either leaves nothing behind.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "auth/file.h"
#include "dkim_int.h"

struct dkim_keyfiles {
    char key_path[4096], txt_path[4096];
    char *record, *zone;
    EVP_PKEY *key;
    struct auth_file *key_stage, *txt_stage;
};

static enum auth_status paths(struct dkim_keyfiles *kf, const struct dkim_keyfiles_params *p,
                              char *err, size_t errlen)
{
    char name[300];
    enum auth_status st;

    snprintf(name, sizeof name, "%s.private", p->selector);
    st = auth_path_join(kf->key_path, sizeof kf->key_path, p->outdir, name, err, errlen);
    if (st != AUTH_OK)
        return st;
    snprintf(name, sizeof name, "%s.txt", p->selector);
    return auth_path_join(kf->txt_path, sizeof kf->txt_path, p->outdir, name, err, errlen);
}

/* Refuse before the (slow) key generation when a file is in the way. */
static enum auth_status room_for_both(const struct dkim_keyfiles *kf, unsigned flags,
                                      char *err, size_t errlen)
{
    bool exists;
    enum auth_status st = auth_file_check(kf->key_path, flags, &exists, err, errlen);

    return st != AUTH_OK ? st : auth_file_check(kf->txt_path, flags, &exists, err, errlen);
}

static enum auth_status stage_record(struct dkim_keyfiles *kf, const struct dkim_keyfiles_params *p,
                                     unsigned flags, char *err, size_t errlen)
{
    enum auth_status st = dkim_record_for_key(kf->key, &kf->record, err, errlen);

    if (st != AUTH_OK)
        return st;
    kf->zone = dkim_record_zone_text(p->selector, p->domain, kf->record);
    if (!kf->zone)
        return auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
    st = auth_file_stage(kf->txt_path, 0644, flags, &kf->txt_stage, err, errlen);
    if (st == AUTH_OK)
        st = auth_file_put(kf->txt_stage, kf->zone, strlen(kf->zone), err, errlen);
    return st;
}

enum auth_status dkim_keyfiles_stage(const struct dkim_keyfiles_params *p,
                                     struct dkim_keyfiles **out, char *err, size_t errlen)
{
    struct dkim_keyfiles *kf = calloc(1, sizeof *kf);
    unsigned flags = p->force ? AUTH_FILE_REPLACE : 0;
    enum auth_status st;

    *out = NULL;
    if (!kf)
        return auth_fail(err, errlen, AUTH_ENOMEM, "out of memory");
    st = paths(kf, p, err, errlen);
    if (st == AUTH_OK)
        st = auth_dir_make(p->outdir, err, errlen);
    if (st == AUTH_OK)
        st = room_for_both(kf, flags, err, errlen);
    if (st == AUTH_OK)
        st = dkim_keygen(p->type, p->bits ? p->bits : 2048, &kf->key, err, errlen);
    if (st == AUTH_OK)
        st = dkim_privkey_stage(kf->key, kf->key_path, p->force, &kf->key_stage, err, errlen);
    if (st == AUTH_OK)
        st = stage_record(kf, p, flags, err, errlen);
    if (st != AUTH_OK) {
        dkim_keyfiles_free(kf);
        return st;
    }
    *out = kf;
    return AUTH_OK;
}

const char *dkim_keyfiles_key_path(const struct dkim_keyfiles *kf) { return kf->key_path; }
const char *dkim_keyfiles_record_path(const struct dkim_keyfiles *kf) { return kf->txt_path; }
const char *dkim_keyfiles_record(const struct dkim_keyfiles *kf) { return kf->record; }
const char *dkim_keyfiles_zone(const struct dkim_keyfiles *kf) { return kf->zone; }
EVP_PKEY *dkim_keyfiles_key(const struct dkim_keyfiles *kf) { return kf->key; }

enum auth_status dkim_keyfiles_commit(struct dkim_keyfiles *kf, char *err, size_t errlen)
{
    enum auth_status st = auth_file_commit(kf->key_stage, err, errlen);

    if (st == AUTH_OK && (st = auth_file_commit(kf->txt_stage, err, errlen)) != AUTH_OK)
        auth_file_revert(kf->key_stage);       /* all or nothing */
    return st;
}

void dkim_keyfiles_free(struct dkim_keyfiles *kf)
{
    if (!kf)
        return;
    free(kf->record);
    free(kf->zone);
    EVP_PKEY_free(kf->key);
    auth_file_free(kf->key_stage);
    auth_file_free(kf->txt_stage);
    free(kf);
}
