"""What the demo's realism tests share: a post's type and the county's relay accounts."""

Post = dict[str, object]

#: The county's local news-relay accounts (self-media run by individuals), as a reader
#: of the demo meets them: written out, so that a test does not follow the generator.
RELAYS = ("江州身边事", "云溪百事通", "江州吃货联盟", "云溪那些事儿")
