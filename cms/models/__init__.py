from cms.models.navigation import FooterLink, MainMenuItem, MenuLink, SiteChrome
from cms.models.pages import (
    DisclosureListPage,
    HomeFeaturedList,
    HomePage,
    NewsIndexPage,
    NewsPage,
    PolicyIndexPage,
    PolicyLevel,
    PolicyPage,
    StandardPage,
)

__all__ = [
    "DisclosureListPage",
    "FooterLink",
    "HomeFeaturedList",
    "HomePage",
    "MainMenuItem",
    "MenuLink",
    "NewsIndexPage",
    "NewsPage",
    "PolicyIndexPage",
    "PolicyLevel",
    "PolicyPage",
    "SiteChrome",
    "StandardPage",
]
