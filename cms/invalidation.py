"""Which change invalidates which kept public pages (the tags of cms.pagecache).

- records_changed (after the change committed): the profiles and record pages of the
  subjects concerned, the disclosure lists showing their catalog items, the home page and
  search results. A change naming more than MAX_NAMED records (a department's batch, the
  nightly expiry) invalidates every subject's pages and every list with one write each
  instead of looking up and writing thousands of tags.
- a Wagtail page published, unpublished, moved or deleted: the page itself (and the pages
  below it when its address changed), the listings of the pages above it, and the menus
  when they link to it.
- the site's header, footer and menus (SiteChrome) saved: every page.
- a subject saved (a new name): its pages; the catalog or a department saved: every page
  showing records.
- a Wagtail site saved or deleted, or a site's root page saved, published, moved or
  deleted: the processes' memo of which site and home page answer a host (cms.sites), and
  with a site every page (its addresses may have changed).
- a page's view restriction added, changed or removed: the processes' memo of pages
  without restrictions, and every page (a restriction covers a whole section, whose
  public copies must stop being served); a page moved: that memo too.
"""

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_delete
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

from cms import pagecache
from cms.lists import ListKind, items_for
from portal.records.models import CreditRecord
from portal.subjects.models import Subject, SubjectName

# Above this many records in one change, all subjects' pages go at once.
MAX_NAMED = 200


def tags_for_records(record_ids) -> list[str]:
    """The tags a change of these records invalidates."""
    ids = list(record_ids)
    if not ids:
        return []
    tags = [pagecache.RECORDS]
    if len(ids) > MAX_NAMED:
        return [*tags, pagecache.SUBJECTS, *(pagecache.list_tag(kind) for kind in ListKind.values)]
    rows = CreditRecord.objects.filter(pk__in=ids).values_list("subject__code", "catalog_item_id")
    items = set()
    for code, item_id in rows:
        tags.append(pagecache.subject_tag(code))
        items.add(item_id)
    tags += [pagecache.record_tag(pk) for pk in ids]
    tags += [
        pagecache.list_tag(kind)
        for kind in ListKind.values
        if items and items_for(kind).filter(pk__in=items).exists()
    ]
    return tags


def invalidate_now_and_after_commit(*tags: str) -> None:
    """For signals sent inside the changing transaction: now, so no page is served from
    before the change, and again once it commits, so no page rendered from the data still
    uncommitted in between survives."""
    pagecache.invalidate(*tags)
    transaction.on_commit(lambda: pagecache.invalidate(*tags))


def on_records_changed(sender, record_ids=(), reason="", **kwargs):
    """portal.records.signals.records_changed: sent once the change has committed, so a
    page rendered after this sees the new data."""
    pagecache.invalidate(*tags_for_records(record_ids))


def on_subject_saved(sender, instance, raw=False, **kwargs):
    if raw:
        return
    if isinstance(instance, SubjectName):
        code = Subject.objects.filter(pk=instance.subject_id).values_list("code", flat=True).first()
    else:
        code = instance.code
    if code:
        invalidate_now_and_after_commit(pagecache.subject_tag(code))


def on_reference_data_saved(sender, raw=False, **kwargs):
    """The catalog (names, public fields, rules) or a department (its name) changed."""
    if not raw:
        invalidate_now_and_after_commit(pagecache.CATALOG)


def on_chrome_saved(sender, raw=False, **kwargs):
    if not raw:
        invalidate_now_and_after_commit(pagecache.CHROME)


def _linked_from_menus(page_ids) -> bool:
    from cms.models import FooterLink, MainMenuItem

    return any(
        model.objects.filter(link_page_id__in=page_ids).exists()
        for model in (MainMenuItem, FooterLink)
    )


def tags_for_page(page: Page, *, address_changed: bool = False) -> list[str]:
    """A page's own tag, its ancestors' listings, the menus if they link to it; with
    `address_changed`, the pages below it too (their addresses moved with it)."""
    tags = [pagecache.page_tag(page.pk)]
    tags += [pagecache.children_tag(pk) for pk in page.get_ancestors().values_list("pk", flat=True)]
    if address_changed:
        below = list(page.get_descendants().values_list("pk", flat=True))
        tags += [pagecache.page_tag(pk) for pk in below]
    if _linked_from_menus([page.pk]):
        tags.append(pagecache.CHROME)
    if _is_site_root(page.pk):
        tags.append(pagecache.SITES)
    return tags


def _is_site_root(page_id) -> bool:
    return Site.objects.filter(root_page_id=page_id).exists()


def on_site_saved(sender, raw=False, **kwargs):
    if not raw:
        invalidate_now_and_after_commit(pagecache.SITES, pagecache.CHROME)


def on_restriction_saved(sender, raw=False, **kwargs):
    if not raw:
        invalidate_now_and_after_commit(pagecache.RESTRICTIONS, pagecache.CHROME)


def on_page_saved(sender, instance, raw=False, **kwargs):
    """A site's root page saved without being published (fixtures, scripts): the processes'
    copy of it goes too."""
    if not raw and instance.pk and _is_site_root(instance.pk):
        invalidate_now_and_after_commit(pagecache.SITES)


def on_page_published(sender, instance, **kwargs):
    invalidate_now_and_after_commit(*tags_for_page(instance))


def on_page_unpublished(sender, instance, **kwargs):
    invalidate_now_and_after_commit(*tags_for_page(instance, address_changed=True))


def on_page_address_changed(sender, instance, parent_page_before=None, **kwargs):
    """post_page_move and page_slug_changed: old addresses must not answer from the cache,
    nor the listing the page left."""
    tags = [*tags_for_page(instance, address_changed=True), pagecache.RESTRICTIONS]
    if parent_page_before is not None:
        tags.append(pagecache.children_tag(parent_page_before.pk))
        tags += tags_for_page(parent_page_before)
    invalidate_now_and_after_commit(*tags)


def on_page_deleted(sender, instance, **kwargs):
    if isinstance(instance, Page) and instance.pk:
        invalidate_now_and_after_commit(*tags_for_page(instance))


def connect() -> None:
    """Called once from CmsConfig.ready()."""
    from django.apps import apps

    from cms.models import FooterLink, MainMenuItem, SiteChrome
    from portal.catalog.models import CatalogField, CatalogItem, DisclosurePeriod
    from portal.departments.models import Department
    from portal.records.signals import records_changed

    records_changed.connect(on_records_changed, dispatch_uid="cms.pagecache.records")
    for model in (Subject, SubjectName):
        post_save.connect(on_subject_saved, sender=model, dispatch_uid=f"cms.pagecache.{model}")
    for model in (CatalogItem, CatalogField, DisclosurePeriod, Department):
        for signal in (post_save, post_delete):
            signal.connect(
                on_reference_data_saved, sender=model, dispatch_uid=f"cms.pagecache.{model}"
            )
    for model in (SiteChrome, MainMenuItem, FooterLink):
        for signal in (post_save, post_delete):
            signal.connect(on_chrome_saved, sender=model, dispatch_uid=f"cms.pagecache.{model}")
    page_published.connect(on_page_published, dispatch_uid="cms.pagecache.published")
    page_unpublished.connect(on_page_unpublished, dispatch_uid="cms.pagecache.unpublished")
    post_page_move.connect(on_page_address_changed, dispatch_uid="cms.pagecache.moved")
    page_slug_changed.connect(on_page_address_changed, dispatch_uid="cms.pagecache.slug")
    for signal in (post_save, post_delete):
        signal.connect(on_site_saved, sender=Site, dispatch_uid=f"cms.pagecache.site.{signal}")
        signal.connect(
            on_restriction_saved,
            sender=PageViewRestriction,
            dispatch_uid=f"cms.pagecache.restriction.{signal}",
        )
    # Each page class (Wagtail deletes pages through their specific classes); never every
    # model, which would stop Django's fast bulk deletes everywhere.
    for model in apps.get_models():
        if issubclass(model, Page):
            pre_delete.connect(
                on_page_deleted, sender=model, dispatch_uid=f"cms.pagecache.deleted.{model}"
            )
            post_save.connect(
                on_page_saved, sender=model, dispatch_uid=f"cms.pagecache.saved.{model}"
            )
